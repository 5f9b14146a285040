"""The html pages casewatch writes (a manager's worklist, the PDU head's analysis): one jinja2
environment over workers/templates, autoescaped, so no case data can become markup."""

from jinja2 import Environment, PackageLoader, select_autoescape

templates = Environment(loader=PackageLoader("workers", "templates"),
                        autoescape=select_autoescape(["html"]), trim_blocks=True,
                        lstrip_blocks=True)
