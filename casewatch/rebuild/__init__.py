"""`casewatch rebuild` (SPEC §14): a deployment's state computed in bulk from the input topic."""
