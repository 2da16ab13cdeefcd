"""The composition root: the generated app factory, wired to impl/.

`impl.app:app` is the app built from the environment's settings, for any ASGI server
(`uvicorn impl.app:app`, `fastapi run impl/app.py`); it is built on first access, not at
import. It serves the database as it finds it: apply the migrations first
(`tasks-api migrate`). `tasks-api serve` (impl/serve.py) runs `app_factory` the same way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache

from fastapi import Depends, FastAPI

from generated.contract import CONTRACT
from generated.main import create_app as create_contract_app
from impl.auth.emails import accept_special_use_domains
from impl.auth.external_tokens import ExternalTokenVerifier
from impl.auth.handlers import AuthImpl
from impl.auth.oauth2_errors import install_oauth2_error_handlers
from impl.auth.password_policy import common_passwords
from impl.auth.passwords import warm_up
from impl.auth.tokens import TokenService
from impl.changes.fanout import build_fanout
from impl.changes.hub import Hub
from impl.db.database import Database
from impl.db.engine import build_database
from impl.events.handlers import EventsImpl
from impl.health.handlers import HealthImpl
from impl.health.readiness import Readiness
from impl.http.access_log import AccessLogMiddleware
from impl.http.admission import AdmissionMiddleware
from impl.http.allowed_methods import AllowedMethods
from impl.http.cors import ListedOriginsCORSMiddleware
from impl.http.cursors import CursorCodec
from impl.http.docs import install_docs
from impl.http.head_requests import HeadRequestsMiddleware
from impl.http.literal_paths import shadowing_routes
from impl.http.middleware import BodyGuardMiddleware, RequestContextMiddleware
from impl.http.negotiation import negotiate
from impl.http.problems import install_problem_handlers
from impl.http.query_parameters import declared_query_parameters
from impl.http.rate_limits import RateLimits, build_storage
from impl.http.request_quota import RequestQuota
from impl.lists.handlers import ListsImpl
from impl.ops.draining import on_draining
from impl.ops.log_setup import configure_logging
from impl.ops.metrics import reporting_pool
from impl.reminders.handlers import RemindersImpl
from impl.reminders.scheduler import ReminderScheduler
from impl.settings import Settings, get_settings, with_development_secret
from impl.tags.handlers import TagsImpl
from impl.tasks.handlers import TasksImpl
from impl.users.handlers import UsersImpl

CORS_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
CORS_HEADERS = [
    "Authorization",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    "Idempotency-Key",
    "Last-Event-ID",
    "X-Request-ID",
]
CORS_EXPOSED = [
    "Location",
    "ETag",
    "Idempotent-Replayed",
    "Retry-After",
    "RateLimit",
    "RateLimit-Policy",
    "X-Request-ID",
    "WWW-Authenticate",
]
DOCS_PATHS = ("/docs", "/redoc")


class LiveUpdates:
    """Committed changes wake this process's event streams (the hub) and, through the fan-out,
    those of every other instance; every instance claims due reminders."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self.hub = Hub()
        self.fanout = build_fanout(settings, self.hub, database)
        database.on_commit(self.fanout.committed)
        self.reminders = ReminderScheduler(
            database,
            poll_seconds=settings.reminder_poll_seconds,
            late_after_seconds=settings.reminder_late_after_seconds,
        )

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        self.hub.draining = False
        # SIGTERM: streams end now, with a hint to reconnect (to another instance).
        stop_listening = on_draining(lambda: self.hub.close_all("shutdown"))
        await self.fanout.start()
        self.reminders.start()
        try:
            yield
        finally:
            stop_listening()
            self.hub.close_all("shutdown")
            await self.reminders.stop()
            await self.fanout.stop()


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    settings = with_development_secret(settings or get_settings())
    accept_special_use_domains()
    database = database or build_database(settings)
    readiness = Readiness(settings)
    metrics_enabled = settings.metrics_port is not None
    live = LiveUpdates(settings, database)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Connections are pooled on the server's event loop for as long as it serves.
        await database.open()
        try:
            sampled = reporting_pool(database, enabled=metrics_enabled, open_streams=lambda: live.hub.open)
            async with live.running(), sampled:
                yield
        finally:
            await database.close()
            await readiness.close()

    app = create_contract_app(
        auth=AuthImpl,
        events=EventsImpl,
        health=HealthImpl,
        lists=ListsImpl,
        reminders=RemindersImpl,
        tags=TagsImpl,
        tasks=TasksImpl,
        users=UsersImpl,
        title=CONTRACT["info"]["title"],
        version=CONTRACT["info"]["version"],
        dependencies=[Depends(negotiate)],
        # Metrics and logs are impl/'s own; FastAPI's OpenTelemetry hooks would look up their
        # providers on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
        # impl/docs.py serves the docs with self-hosted assets instead of FastAPI's CDN pages.
        docs_url=None,
        redoc_url=None,
        # Only the contract's paths exist: /api/v1/tasks/ is a 404, not a redirect.
        redirect_slashes=False,
        lifespan=lifespan,
    )
    # Clients see openapi.yaml itself; tests compare it with what the routes would produce.
    app.openapi = lambda: CONTRACT  # type: ignore[method-assign]
    app.router.routes[0:0] = shadowing_routes(CONTRACT)

    app.state.settings = settings
    app.state.allowed_methods = AllowedMethods(CONTRACT)
    app.state.declared_query = declared_query_parameters(CONTRACT)
    app.state.database = database
    app.state.event_hub = live.hub
    app.state.event_fanout = live.fanout
    app.state.reminders = live.reminders
    app.state.tokens = TokenService(settings)
    app.state.external_tokens = ExternalTokenVerifier(settings) if settings.external_jwt_jwks_url else None
    app.state.rate_limits = RateLimits(settings)
    app.state.readiness = readiness
    app.state.request_quota = RequestQuota(
        settings.rate_limit_per_user, build_storage(settings) if settings.rate_limit_enabled else None
    )
    assert settings.jwt_secret is not None
    app.state.cursors = CursorCodec(settings.jwt_secret.get_secret_value().encode())
    warm_up()
    common_passwords()

    install_docs(app, title=CONTRACT["info"]["title"])
    install_problem_handlers(app)
    install_oauth2_error_handlers(app)
    # Admitted once the body is in (BodyGuard reads it first): a slow upload holds a connection,
    # never a place among the requests at work. Inside CORS, so a browser can read its 503.
    app.add_middleware(AdmissionMiddleware, max_in_flight=settings.effective_max_in_flight_requests)
    app.add_middleware(BodyGuardMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(
        HeadRequestsMiddleware,
        allowed_methods=app.state.allowed_methods,
        routes_head=app.state.allowed_methods.routes_head,
    )
    app.add_middleware(
        ListedOriginsCORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=settings.cors_allow_credentials,
        allow_methods=CORS_METHODS,
        allow_headers=CORS_HEADERS,
        expose_headers=CORS_EXPOSED,
        max_age=600,
    )
    app.add_middleware(RequestContextMiddleware, hsts_seconds=settings.hsts_seconds, docs_paths=DOCS_PATHS)
    app.add_middleware(AccessLogMiddleware, metrics_enabled=metrics_enabled)
    return app


def app_factory() -> FastAPI:
    """`uvicorn --factory impl.app:app_factory`: the app of the environment's settings."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.effective_log_format)
    return create_app(settings)


@lru_cache(maxsize=1)
def _module_app() -> FastAPI:
    return app_factory()


def __getattr__(name: str) -> FastAPI:
    # `impl.app:app`, built on first use: importing impl.app (as tests and tools do) must not
    # read the environment, open a database or write the development secret.
    if name == "app":
        return _module_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    # FastAPI's CLI (`fastapi run impl/app.py`) looks for the app among the module's names.
    return [*globals(), "app"]
