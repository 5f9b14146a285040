"""`python -m casewatch`: the command line, as the `casewatch` script runs it."""

from casewatch.cli.main import main

raise SystemExit(main())
