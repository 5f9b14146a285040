"""`casewatch serve`: the settings checked, the live view started, the app on uvicorn.

Everything the service cannot work without is checked before it listens, each with a one-line
reason: the sign-in provider's issuer, serve's client secret and the session key (files), the
manager directory, and the front-end packages. The topics are followed under serve's own
principal (`casewatch-web`, read-only); should following them fail, the service stops rather
than show a worklist that no longer changes.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import uvicorn
from starlette.applications import Starlette

from casewatch.delivery.directory import DirectoryError, parse
from casewatch.delivery.topics import AlertTopics
from casewatch.errors import CommandError
from casewatch.kafka.admin import alert_regions
from casewatch.kafka.settings import Settings
from casewatch.web.app import Service, create_app
from casewatch.web.live import Live
from casewatch.web.oidc import Provider

log = logging.getLogger("casewatch.serve")
PROJECT = Path(__file__).resolve().parents[2]  # an editable install's repository


def service(settings: Settings, regions: list[str]) -> tuple[Service, str, list[str]]:
    """The service these settings describe, its session key and the regions it follows;
    CommandError, in one line, for anything missing."""
    if not settings.oidc_issuer:
        raise CommandError("no sign-in provider: set CASEWATCH_OIDC_ISSUER (HMPPS Auth's "
                           "issuer); casewatch serve shows case data only to people signed in")
    secret = _secret(settings.oidc_client_secret_file, "CASEWATCH_OIDC_CLIENT_SECRET_FILE")
    del secret  # read again at each sign-in, so a rotated secret is taken up
    key = _secret(settings.session_key_file, "CASEWATCH_SESSION_KEY_FILE")
    if len(key) < 32:
        raise CommandError("CASEWATCH_SESSION_KEY_FILE must hold at least 32 characters")
    if not settings.directory:
        raise CommandError("no manager directory: set CASEWATCH_DIRECTORY (who sees which teams)")
    try:
        directory = parse(Path(settings.directory).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        raise CommandError("CASEWATCH_DIRECTORY is not a readable TOML file") from None
    except DirectoryError as error:
        raise CommandError(f"CASEWATCH_DIRECTORY: {error}") from None
    assets = Path(settings.web_assets) if settings.web_assets else PROJECT / "node_modules"
    for package in ("govuk-frontend/dist/govuk", "@ministryofjustice/frontend/moj"):
        if not (assets / package).is_dir():
            raise CommandError(f"no {package} under {assets}: run `npm ci` in the repository, "
                               "or set CASEWATCH_WEB_ASSETS to a node_modules that has it")
    public = (settings.public_url or f"http://{settings.web_host}:{settings.serve_port}")
    urls = [u.strip() for u in settings.alertmanager_urls.split(",") if u.strip()]
    found = Service(public.rstrip("/"),
                    Provider(settings.oidc_issuer, settings.oidc_client_id,
                             settings.oidc_client_secret_file, settings.oidc_audience),
                    directory, Live(urls[0] if urls else None, settings.clock == "wall"), assets)
    regions = regions or alert_regions(settings)
    if not regions:
        raise CommandError("no region has an alert topic yet: give --regions")
    return found, key, regions


def serve(settings: Settings, regions: list[str]) -> None:
    found, key, regions = service(settings, regions)
    server: uvicorn.Server | None = None
    failed: list[str] = []

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(found.live.follow(lambda: AlertTopics(
            settings, regions, client_id="casewatch-web")))

        def ended(done: asyncio.Task[None]) -> None:
            if not done.cancelled() and done.exception() is not None:
                failed.append(str(done.exception()))
                log.error("serve: stopped following the alert topics: %s", failed[0])
                if server is not None:
                    server.should_exit = True

        task.add_done_callback(ended)
        log.warning("serve: %s on %s, signing in through %s", ", ".join(regions),
                    found.public_url, settings.oidc_issuer)
        try:
            yield
        finally:
            task.cancel()

    app = create_app(found, key, lifespan)
    server = uvicorn.Server(uvicorn.Config(app, host=settings.web_host,
                                           port=settings.serve_port, access_log=False,
                                           log_level="warning", proxy_headers=True))
    server.run()
    if failed:
        raise CommandError(f"serve stopped: following the alert topics failed: {failed[0]}")


def _secret(path: str, variable: str) -> str:
    if not path:
        raise CommandError(f"{variable} is not set")
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        raise CommandError(f"{variable} is not a readable file") from None
    if not text:
        raise CommandError(f"{variable} is empty")
    return text
