"""The live worklist's pages: one autoescaping jinja2 environment over this package's templates
and GOV.UK Frontend's macros (govuk-frontend-jinja), and what every page is given."""

from typing import Any

from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from casewatch.delivery.worklist import days_open
from casewatch.delivery.worklist_render import london

templates = Environment(
    loader=ChoiceLoader([
        PackageLoader("casewatch.web", "templates"),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    ]),
    autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
templates.globals.update(london=london, days_open=days_open)

# GOV.UK Frontend's tag colours for casewatch's severities and RoSH levels.
TAGS = {"CRITICAL": "govuk-tag--red", "HIGH": "govuk-tag--orange",
        "MEDIUM": "govuk-tag--yellow", "LOW": "govuk-tag--grey",
        "VERY_HIGH": "govuk-tag--red"}
templates.globals["tag_class"] = lambda value: TAGS.get(value or "", "govuk-tag--grey")
templates.filters["words"] = lambda code: (code or "unknown").replace("_", " ").lower()


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    html = templates.get_template(name).render(
        request=request, csrf=request.session.get("csrf", ""), path=request.url.path,
        **context)
    return HTMLResponse(html, status)


def fragment_of(name: str, **context: Any) -> Markup:
    """A part of a page that is the same for everyone who may see it, rendered (autoescaped)
    once to be placed in each viewer's page."""
    return Markup(templates.get_template(name).render(**context))
