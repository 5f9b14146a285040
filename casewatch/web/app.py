"""The live worklist's ASGI app: a team's worklist, a case, a PDU's overview, each as a page or
as JSON (`Accept: application/json`), and the live updates a page listens to.

Everyone is signed in (a session cookie from the authorization-code flow, or a bearer JWT) and
sees only what `access.reach` gives them: anything else is 403, logged with the user and the
kind of page, never a CRN. Every answer carries the security headers (a CSP with no inline
script or style, no framing, no sniffing, HSTS behind TLS), and pages with case data are never
cached. Every POST from a session carries its CSRF token and, where the browser sends one, this
service's own Origin.
"""

import asyncio
import hmac
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import (
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from casewatch.delivery.alertmanager import DeliveryError, post_silence
from casewatch.delivery.directory import Directory
from casewatch.delivery.standing import Filters, Place
from casewatch.schemas.codes import SEVERITY_ORDER
from casewatch.web.access import Person, Reach, reach
from casewatch.web.live import Live
from casewatch.web.oidc import Attempt, Provider, SignInError, TokenRefused
from casewatch.web.render import fragment_of, page
from casewatch.web.silences import DAYS, REASONS, SilenceRefused, silence_of

log = logging.getLogger("casewatch.serve")
HORIZON = 5  # working days of due soon, SPEC §10's default
KEEPALIVE = 15.0  # seconds between comments on an idle update stream


@dataclass(frozen=True)
class Service:
    """Everything the pages need, made once at start."""

    public_url: str  # scheme://host[:port], no path
    provider: Provider
    directory: Directory
    live: Live
    assets: Path  # node_modules holding govuk-frontend and @ministryofjustice/frontend

    @property
    def secure(self) -> bool:
        return self.public_url.startswith("https://")


def create_app(service: Service, session_key: str,
               lifespan: Callable[[Starlette], Any] | None = None) -> Starlette:
    govuk = service.assets / "govuk-frontend" / "dist" / "govuk"
    moj = service.assets / "@ministryofjustice" / "frontend" / "moj"
    routes = [
        Route("/", home),
        Route("/sign-in", sign_in),
        Route("/sign-in/callback", signed_in),
        Route("/sign-out", sign_out, methods=["POST"]),
        Route("/teams/{pdu}/{team}", team_worklist),
        Route("/cases/{crn}", case_page),
        Route("/cases/{crn}/silences", silence, methods=["POST"]),
        Route("/pdus/{pdu}", pdu_overview),
        Route("/updates", updates),
        Route("/health", health),
        Mount("/assets", StaticFiles(directory=govuk / "assets")),
        Mount("/govuk", StaticFiles(directory=govuk)),
        Mount("/moj", StaticFiles(directory=moj)),
        Mount("/static", StaticFiles(packages=[("casewatch.web", "static")])),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, middleware=[
        Middleware(SecurityHeaders, issuer=service.provider.issuer, secure=service.secure),
        Middleware(SessionMiddleware, secret_key=session_key, session_cookie="casewatch",
                   max_age=12 * 3600, same_site="lax", https_only=service.secure),
    ])
    app.state.service = service
    return app


class SecurityHeaders:
    """Headers on every answer; `no-store` on all but the design system's static files."""

    def __init__(self, app: ASGIApp, issuer: str, secure: bool) -> None:
        self.app = app
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(issuer))
        self.headers = {
            # The sign-out form is answered with a redirect to the provider: form-action names it.
            "Content-Security-Policy": (
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
                f"frame-ancestors 'none'; form-action 'self' {origin}"),
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "same-origin",
            "Cross-Origin-Opener-Policy": "same-origin",
            "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        }
        if secure:
            self.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith(("/assets/", "/govuk/", "/moj/", "/static/"))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers[name] = value
                if not static:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)


# -- who is asking ------------------------------------------------------------------------------

def service_of(request: Request) -> Service:
    found: Service = request.app.state.service
    return found


async def person_of(request: Request) -> Person | None:
    """The person a bearer token or the session names; None if neither does (or it expired)."""
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        provider, token = service_of(request).provider, header[7:].strip()
        try:
            # A token seen before is taken at once; a new one may need the issuer's keys.
            verified = provider.known(token)
            if verified is None:
                verified = await asyncio.to_thread(provider.verify_bearer, token)
        except (TokenRefused, SignInError) as error:
            log.warning("serve: a bearer token was refused: %s", error)
            return None
        request.state.bearer = True
        request.state.expires = verified.expires
        return verified.person
    session = request.session
    if "user" not in session or float(session.get("exp", 0)) <= time.time():
        return None
    request.state.expires = float(session["exp"])
    return Person(session["user"], frozenset(session.get("roles", [])))


def wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


Handler = Callable[[Request, Person, Reach], Awaitable[Response]]


def signed_in_only(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def checked(request: Request) -> Response:
        person = await person_of(request)
        if person is None:
            if wants_json(request) or getattr(request.state, "bearer", False) or \
                    request.headers.get("authorization"):
                return JSONResponse({"error": "sign in: a bearer token or a session"}, 401,
                                    headers={"WWW-Authenticate": "Bearer"})
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            request.session["next"] = target
            return RedirectResponse("/sign-in", 303)
        return await handler(request, person, reach(person, service_of(request).directory))
    return checked


def refused(request: Request, person: Person, what: str) -> Response:
    """403, logged with who and what kind of page: never a CRN or another case detail."""
    log.warning("serve: refused %s %s", person.user, what)
    if wants_json(request):
        return JSONResponse({"error": "not yours to see"}, 403)
    return page(request, "refused.html", {"person": person}, status=403)


def not_ready(request: Request) -> Response:
    if wants_json(request):
        return JSONResponse({"error": "still reading the alert topics"}, 503,
                            headers={"Retry-After": "5"})
    return page(request, "reading.html", {}, status=503)


@dataclass(frozen=True)
class Pages:
    """A long worklist a page of cases at a time (its JSON is whole): where this one is."""

    number: int
    count: int
    total: int
    query: dict[str, str]

    SIZE = 50

    @classmethod
    def of(cls, request: Request, total: int) -> "Pages":
        count = max(1, -(-total // cls.SIZE))
        try:
            number = min(max(1, int(request.query_params.get("page", "1"))), count)
        except ValueError:
            number = 1
        return cls(number, count, total, {k: v for k, v in request.query_params.items()
                                          if k != "page"})

    @property
    def first(self) -> int:
        return (self.number - 1) * self.SIZE + 1

    @property
    def last(self) -> int:
        return min(self.total, self.number * self.SIZE)

    def href(self, number: int) -> str:
        return "?" + urlencode({**self.query, "page": str(number)})

    def items(self) -> list[dict[str, Any]]:
        return [{"number": n, "href": self.href(n), "current": n == self.number}
                for n in range(1, self.count + 1)]


def choices(options: list[tuple[str, str]], chosen: str | None) -> list[dict[str, Any]]:
    """A select's items, as GOV.UK Frontend's macro takes them."""
    return [{"value": value, "text": text, "selected": value == (chosen or "")}
            for value, text in options]


# -- signing in and out -------------------------------------------------------------------------

async def sign_in(request: Request) -> Response:
    service = service_of(request)
    attempt = Attempt.new()
    request.session["attempt"] = [attempt.state, attempt.nonce, attempt.verifier]
    try:
        url = await asyncio.to_thread(service.provider.authorize_url, attempt, _callback(service))
    except SignInError as error:
        log.error("serve: sign-in unavailable: %s", error)
        return PlainTextResponse("Sign-in is unavailable just now. Try again in a minute.", 503)
    return RedirectResponse(url, 303)


async def signed_in(request: Request) -> Response:
    service = service_of(request)
    held = request.session.pop("attempt", None)
    if "error" in request.query_params:  # the person cancelled, or the provider refused them
        log.warning("serve: the provider ended a sign-in without signing anyone in")
        return PlainTextResponse("You were not signed in. Go back to casewatch to try again.",
                                 400)
    state, code = request.query_params.get("state"), request.query_params.get("code")
    if not held or not state or not code or not hmac.compare_digest(state, held[0]):
        log.warning("serve: a sign-in came back that this browser did not start")
        return PlainTextResponse("That sign-in did not start here. Sign in again.", 400)
    try:
        verified = await asyncio.to_thread(service.provider.sign_in, code, Attempt(*held),
                                           _callback(service))
    except (TokenRefused, SignInError) as error:
        log.warning("serve: a sign-in was refused: %s", error)
        return PlainTextResponse("Sign-in failed. Sign in again.", 400)
    after = request.session.pop("next", "/")
    request.session.clear()
    request.session.update({"user": verified.person.user,
                            "roles": sorted(verified.person.roles),
                            "exp": verified.expires, "csrf": secrets.token_urlsafe(32)})
    log.info("serve: %s signed in", verified.person.user)
    return RedirectResponse(after if _own_path(after) else "/", 303)


def _own_path(path: str) -> bool:
    """A path on this site: browsers read `//host` and `/\\host` as another site."""
    return path.startswith("/") and not path.startswith(("//", "/\\"))


async def sign_out(request: Request) -> Response:
    if (problem := await csrf_problem(request)) is not None:
        return problem
    request.session.clear()
    service = service_of(request)
    end = service.provider.end_session_url(service.public_url + "/")
    return RedirectResponse(end or "/", 303)


def _callback(service: Service) -> str:
    return service.public_url + "/sign-in/callback"


async def csrf_problem(request: Request) -> Response | None:
    """None when a POST from a session carries its token and, if sent, this site's origin."""
    origin = request.headers.get("origin")
    if origin is not None and origin != service_of(request).public_url:
        log.warning("serve: refused a POST from another origin")
        return PlainTextResponse("Refused: that form came from another site.", 403)
    expected = request.session.get("csrf")
    given = (await request.form()).get("csrf")
    if not expected or not isinstance(given, str) or not hmac.compare_digest(expected, given):
        log.warning("serve: refused a POST without this session's CSRF token")
        return PlainTextResponse("Refused: that form has expired. Go back and try again.", 403)
    return None


# -- pages ------------------------------------------------------------------------------------

@signed_in_only
async def home(request: Request, person: Person, reach: Reach) -> Response:
    live = service_of(request).live
    if reach.nothing:
        return refused(request, person, "the service (no role or no directory entry)")
    if reach.pdus and not reach.teams:
        return RedirectResponse(f"/pdus/{sorted(reach.pdus)[0]}", 303)
    if not live.ready:
        return not_ready(request)
    teams = [row for pdu in sorted({p for p, _ in reach.teams} | reach.pdus)
             for row in live.standing.overview(pdu, HORIZON, live.now())["teams"]
             if reach.team((pdu, row["team"]))]
    held = {row["team"] for row in teams}
    quiet = sorted(team for pdu, team in reach.teams if team not in held)
    return page(request, "home.html", {"person": person, "reach": reach, "teams": teams,
                                       "quiet": quiet})


@signed_in_only
async def team_worklist(request: Request, person: Person, reach: Reach) -> Response:
    place: Place = (request.path_params["pdu"], request.path_params["team"])
    if not reach.team(place):
        return refused(request, person, f"team {place[0]}/{place[1]}")
    live = service_of(request).live
    standing = live.standing
    if not live.ready:
        return not_ready(request)
    severity = request.query_params.get("severity") or None
    if severity is not None and severity not in {s.value for s in SEVERITY_ORDER}:
        severity = None
    filters = Filters(request.query_params.get("practitioner") or None, severity)
    now = live.now()
    doc = standing.worklist(place, HORIZON, filters, now)
    if wants_json(request):
        return JSONResponse(doc)
    pages = Pages.of(request, len(doc["cases"]))
    version = standing.version([place])
    fragment = live.made((place, filters, pages.number, version, now), lambda: fragment_of(
        "worklist_live.html", doc=doc, filters=filters, pages=pages, version=version,
        shown=doc["cases"][pages.first - 1:pages.last],
        live=f"/updates?pdu={place[0]}&team={place[1]}",
        practitioner_items=choices([("", "Everyone"), *(
            (p, p) for p in standing.practitioners(place, HORIZON, now))], filters.practitioner),
        severity_items=choices([("", "Any"), *((s.value, s.value.capitalize())
                                               for s in SEVERITY_ORDER)], filters.severity)))
    return page(request, "worklist.html", {"person": person, "reach": reach, "doc": doc,
                                           "fragment": fragment})


@signed_in_only
async def case_page(request: Request, person: Person, reach: Reach) -> Response:
    crn = request.path_params["crn"]
    live = service_of(request).live
    if not live.ready:  # a case not read yet is not one refused
        return not_ready(request)
    standing = live.standing
    place = standing.place_of(crn)
    if place is None or not reach.team(place):
        return refused(request, person, "a case")  # the same answer whether or not it exists
    doc = standing.case(crn, live.now())
    assert doc is not None
    if wants_json(request):
        return JSONResponse(doc)
    return page(request, "case.html", {
        "person": person, "reach": reach, "doc": doc,
        "reason_items": choices(list(REASONS.items()), None),
        "day_items": choices([(str(d), f"{d} day{'s' if d > 1 else ''}") for d in DAYS], "7"),
        "version": standing.version([place]), "live": f"/updates?crn={crn}",
        "message": request.query_params.get("silenced")})


@signed_in_only
async def silence(request: Request, person: Person, reach: Reach) -> Response:
    crn = request.path_params["crn"]
    if not getattr(request.state, "bearer", False) and (
            problem := await csrf_problem(request)) is not None:
        return problem
    form = await request.form()
    service = service_of(request)
    place = service.live.standing.place_of(crn)
    if place is None or not reach.team(place) or not reach.may_silence:
        return refused(request, person, "a silence")
    case = service.live.standing.case(crn)
    assert case is not None
    rule = form.get("rule")
    if not isinstance(rule, str) or rule not in {a["ruleId"] for a in case["open"]}:
        return PlainTextResponse("Choose an open alert of this case.", 400)
    try:
        days = int(str(form.get("days", "")))
        body = silence_of(crn, rule, days, str(form.get("reason", "")), person.user,
                          datetime.now(UTC))
    except (ValueError, SilenceRefused) as error:
        reason = str(error) if isinstance(error, SilenceRefused) else "choose how long"
        return PlainTextResponse(f"Not silenced: {reason}.", 400)
    if not service.live.alertmanager:
        return PlainTextResponse("Silences are not available: no Alertmanager is set.", 503)
    try:
        made = await asyncio.to_thread(post_silence, service.live.alertmanager, body)
    except DeliveryError as error:
        log.error("serve: a silence was not made: %s", error)
        return PlainTextResponse("Alertmanager did not take the silence. Try again.", 502)
    log.info("serve: %s silenced rule %s on a case for %d days (silence %s)", person.user, rule,
             days, made)
    await service.live.read_silences()
    if wants_json(request):
        return JSONResponse({"silenceID": made}, 201)
    return RedirectResponse(f"/cases/{crn}?silenced={rule}", 303)


@signed_in_only
async def pdu_overview(request: Request, person: Person, reach: Reach) -> Response:
    pdu = request.path_params["pdu"]
    if not reach.pdu(pdu):
        return refused(request, person, f"PDU {pdu}")
    live = service_of(request).live
    standing = live.standing
    if not live.ready:
        return not_ready(request)
    doc = standing.overview(pdu, HORIZON, live.now())
    if wants_json(request):
        return JSONResponse(doc)
    places = [(pdu, row["team"]) for row in doc["teams"]]
    return page(request, "overview.html", {
        "person": person, "reach": reach, "doc": doc, "severities": [s.value for s in
                                                                     SEVERITY_ORDER],
        "version": standing.version(places), "live": f"/updates?pdu={pdu}"})


@signed_in_only
async def updates(request: Request, person: Person, reach: Reach) -> Response:
    """Server-sent events: `changed` whenever what the page shows changes."""
    live = service_of(request).live
    params = request.query_params
    if "crn" in params:
        place = live.standing.place_of(params["crn"])
        if place is None or not reach.team(place):
            return refused(request, person, "updates of a case")
        places = [place]
    elif "team" in params:
        place = (params.get("pdu", ""), params["team"])
        if not reach.team(place):
            return refused(request, person, f"updates of team {place[0]}/{place[1]}")
        places = [place]
    else:
        pdu = params.get("pdu", "")
        if not reach.pdu(pdu):
            return refused(request, person, f"updates of PDU {pdu}")
        places = [(p, t) for _, p, t in live.standing.places() if p == pdu]
    try:
        seen = int(params.get("v", ""))
    except ValueError:
        seen = live.standing.version(places)
    expires: float = request.state.expires  # the stream ends with the session or token

    async def stream() -> AsyncIterator[str]:
        version = seen
        yield "retry: 5000\n\n"
        while True:
            if time.time() >= expires:
                yield "event: signed-out\ndata: \n\n"
                return
            now = await live.wait(places, version, KEEPALIVE)
            if now != version:
                version = now
                yield f"event: changed\ndata: {json.dumps(version)}\n\n"
            else:
                yield ": still here\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"X-Accel-Buffering": "no"})


async def health(request: Request) -> Response:
    live = service_of(request).live
    return JSONResponse({"catchingUp": live.catching_up, "alerts": len(live.standing)},
                        200 if live.ready else 503)
