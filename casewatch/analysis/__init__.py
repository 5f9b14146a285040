"""The PDU head's analysis (SPEC §12): needs and services, disproportionality with its
confidence intervals, oversight capacity, disclosure control, and the table and html page that
show them. May import `schemas`, `engine` and `pages`.
"""
