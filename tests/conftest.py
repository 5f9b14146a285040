"""Hypothesis profiles, chosen by HYPOTHESIS_PROFILE.

`ci` (the default) draws the same examples on every run, so a red build always means a change
broke a law, never that this run happened to search somewhere new. `explore` searches afresh
and longer: run it after touching the engine (HYPOTHESIS_PROFILE=explore ./run test), and pin
what it finds as an ordinary test.
"""

import os

from hypothesis import HealthCheck, settings

# The live path (a session broker, workers run as a user runs them) for every package's tests.
pytest_plugins = ["tests.support.live", "tests.support.sqs", "tests.support.hmpps_apis"]

_COMMON = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.register_profile("ci", _COMMON, derandomize=True, database=None, max_examples=300)
settings.register_profile("explore", _COMMON, max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
