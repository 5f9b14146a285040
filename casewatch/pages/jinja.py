"""The one jinja2 environment over templates/, autoescaped, so no case data can become markup."""

from jinja2 import Environment, PackageLoader, select_autoescape

templates = Environment(loader=PackageLoader("casewatch.pages", "templates"),
                        autoescape=select_autoescape(["html"]), trim_blocks=True,
                        lstrip_blocks=True)
