"""The html pages casewatch writes (a manager's worklist, the PDU head's analysis): one jinja2
environment over `templates/`, autoescaped, so no case data can become markup. Imports nothing
of casewatch.
"""
