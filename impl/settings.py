"""Settings from the environment (and an optional .env file), read once per process."""

from __future__ import annotations

import logging
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from limits import parse_many
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

logger = logging.getLogger("tasks_api.settings")

# Secrets that appear in tutorials and templates: never acceptable outside development.
KNOWN_WEAK_SECRETS = {"changethis", "change-me", "changeme", "secret", "jwt-secret", "development"}
MIN_SECRET_BYTES = 32
# Asymmetric only: an external provider's public keys must never double as HMAC secrets.
ExternalAlgorithm = Literal["EdDSA", "Ed25519", "ES256", "ES384", "RS256", "RS384", "RS512", "PS256"]
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # json (one object per line) or text; unset: text in development, json elsewhere.
    log_format: Literal["json", "text"] | None = None
    # Prometheus exposition on its own port (impl/ops/metrics.py); off unless set.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    # SIGTERM: stop accepting, let in-flight requests finish this long, then cancel them.
    shutdown_timeout_seconds: int = Field(default=10, ge=1, le=300)
    # HTTP hardening in the server itself (impl/server/protocol.py), so that no proxy is needed.
    max_header_bytes: int = Field(default=16_384, ge=4096, le=1_048_576)
    header_read_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    body_read_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    keep_alive_timeout_seconds: int = Field(default=5, ge=1, le=300)
    # The event loop (impl/server/loop.py): asyncio's selector loop, or uvloop with the accept
    # done by the server (measured trade-offs in that module and in README, Performance).
    event_loop: Literal["asyncio", "uvloop"] = "asyncio"
    # Open connections per process; lowered to fit the descriptor limit (impl/server/limits.py).
    # Generous: an idle keep-alive connection costs little, and a client that opens one more
    # (a health probe next to a thousand busy connections) should be served, not refused.
    max_connections: int = Field(default=10_000, ge=1, le=1_000_000)
    # Proxies whose X-Forwarded-For/-Proto are trusted (uvicorn's --forwarded-allow-ips).
    forwarded_allow_ips: str = "127.0.0.1"

    database_url: str = "sqlite:///./var/tasks.db"
    # Connections per process. More is not faster: on a 2-core server 8 keep PostgreSQL busy
    # (scripts/bench-http measures it); on Neon, stay under its per-compute connection limit
    # divided by the number of processes (or use the -pooler endpoint).
    database_pool_size: int = Field(default=8, ge=1, le=1000)
    # A request waits this long for a free connection, then gets 503 + Retry-After.
    database_pool_timeout_seconds: float = Field(default=5.0, gt=0, le=120)
    # At most this many requests wait for a connection; the next one gets 503 at once.
    database_max_waiting: int = Field(default=64, ge=0, le=100_000)
    database_connect_timeout_seconds: float = Field(default=5.0, ge=1, le=120)
    # PostgreSQL's statement_timeout and lock_timeout; on SQLite the lock timeout is how long
    # a writer waits for the single write lock.
    database_statement_timeout_ms: int = Field(default=10_000, ge=100, le=3_600_000)
    database_lock_timeout_ms: int = Field(default=5_000, ge=100, le=3_600_000)

    jwt_secret: SecretStr | None = None
    # Development only: where a generated secret is kept, so that restarts and several
    # workers agree on it.
    dev_secret_file: Path = Path("var/dev-jwt-secret")
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    jwt_issuer: str = "tasks-api"
    jwt_audience: str = "tasks-api"
    access_token_ttl_seconds: int = Field(default=900, ge=60, le=86_400)
    refresh_token_ttl_seconds: int = Field(default=30 * 86_400, ge=300)
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=60)

    cors_origins: Annotated[list[str], NoDecode] = []
    cors_allow_credentials: bool = False

    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # Requests in progress per process beyond which the next one gets 503 + Retry-After at once
    # (impl/http/admission.py); the health probes are always admitted.
    # By default as many as the pool serves and queues (DATABASE_POOL_SIZE +
    # DATABASE_MAX_WAITING): one more would only be refused later, by the pool, after its token
    # check and parameters were paid for; the admission's refusal costs a tenth of that.
    max_in_flight_requests: int | None = Field(default=None, ge=1, le=100_000)

    # Deleted tasks stay as tombstones for delta sync this long (`python -m impl.purge`).
    tombstone_retention_days: int = Field(default=30, ge=1, le=3650)
    # A retried request with the same Idempotency-Key replays the first response this long.
    idempotency_key_ttl_hours: int = Field(default=24, ge=1, le=720)
    hsts_seconds: int = Field(default=0, ge=0)

    # Rate limits, in the `limits` library's notation ("10/minute;100/hour"). In memory per
    # process unless REDIS_URL is set; then every process sharing the Redis shares the counts.
    rate_limit_enabled: bool = True
    redis_url: SecretStr | None = None
    rate_limit_key_prefix: str = Field(default="tasks-api", min_length=1, max_length=100)
    # A down or hung Redis costs a rate-limited request at most about this long (then 503).
    redis_timeout_seconds: float = Field(default=0.25, gt=0, le=5)
    rate_limit_login_per_address: str = "10/minute;100/hour"
    rate_limit_login_per_account: str = "20/minute"
    rate_limit_register_per_address: str = "10/minute;50/hour"
    rate_limit_refresh_per_address: str = "60/minute"
    # Every authenticated request, per user (impl/http/request_quota.py).
    rate_limit_per_user: str = "600/minute"

    # The event stream (impl/events/): a comment line this often keeps proxies from closing
    # an idle stream; open streams per user and per process beyond which 429 / 503.
    events_heartbeat_seconds: float = Field(default=15.0, gt=0, le=300)
    events_max_streams_per_user: int = Field(default=10, ge=1, le=10_000)
    events_max_streams: int = Field(default=2_000, ge=1, le=1_000_000)
    # Fan-out between instances on PostgreSQL (LISTEN/NOTIFY) needs a session of its own, on a
    # direct connection: Neon's -pooler endpoints (PgBouncer, transaction mode) cannot LISTEN.
    # Unset: DATABASE_URL (a -pooler host there is refused at start-up; set this to the
    # direct endpoint). `events_fanout`: postgres (LISTEN/NOTIFY), redis (pub/sub on
    # REDIS_URL), local (one process), or auto (postgres on PostgreSQL, else local).
    events_database_url: SecretStr | None = None
    events_fanout: Literal["auto", "postgres", "redis", "local"] = "auto"
    # Due reminders are claimed this often per process (0: never, for tests that fire them
    # by hand); one fired more than `reminder_late_after_seconds` after its time is `late`.
    reminder_poll_seconds: float = Field(default=0.5, ge=0, le=60)
    reminder_late_after_seconds: int = Field(default=60, ge=1, le=86_400)

    # Access tokens of an external identity provider (Better Auth, Auth0, Clerk, Keycloak...),
    # verified with the public keys at its JWKS URL. Off unless EXTERNAL_JWT_JWKS_URL is set.
    external_jwt_jwks_url: str | None = None
    external_jwt_issuer: str | None = None
    external_jwt_audience: str | None = None
    external_jwt_algorithms: Annotated[list[ExternalAlgorithm], NoDecode] = ["EdDSA", "ES256", "RS256"]
    external_jwt_jwks_cache_seconds: int = Field(default=3600, ge=60, le=86_400)
    # An unknown kid refetches the JWKS at most once per this many seconds.
    external_jwt_jwks_refetch_seconds: int = Field(default=60, ge=1, le=3600)
    external_jwt_jwks_timeout_seconds: float = Field(default=3.0, gt=0, le=30)

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def lower_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @property
    def effective_max_in_flight_requests(self) -> int:
        if self.max_in_flight_requests is not None:
            return self.max_in_flight_requests
        return self.database_pool_size + self.database_max_waiting

    @property
    def effective_log_format(self) -> Literal["json", "text"]:
        if self.log_format is not None:
            return self.log_format
        return "text" if self.environment == "development" else "json"

    @field_validator(
        "rate_limit_login_per_address",
        "rate_limit_login_per_account",
        "rate_limit_register_per_address",
        "rate_limit_refresh_per_address",
        "rate_limit_per_user",
    )
    @classmethod
    def limits_parse(cls, value: str) -> str:
        parse_many(value)  # ValueError names the bad string
        return value

    @field_validator("external_jwt_algorithms", mode="before")
    @classmethod
    def split_algorithms(cls, value: object) -> object:
        if isinstance(value, str):
            return [name.strip() for name in value.split(",") if name.strip()]
        return value

    @field_validator("external_jwt_jwks_url")
    @classmethod
    def jwks_url_is_https(cls, url: str | None) -> str | None:
        if url is None:
            return None
        parts = urlsplit(url)
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS):
            raise ValueError("EXTERNAL_JWT_JWKS_URL must be an https:// URL (http:// only on loopback)")
        return url

    @field_validator("cors_origins", mode="before")
    @classmethod
    def split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def origins_are_explicit(cls, origins: list[str]) -> list[str]:
        for origin in origins:
            if origin == "null":
                raise ValueError("CORS_ORIGINS must not contain 'null'")
            if origin != "*" and not origin.startswith(("http://", "https://")):
                raise ValueError(f"CORS origin {origin!r} must start with http:// or https://")
        return origins

    @model_validator(mode="after")
    def external_provider_is_complete(self) -> Settings:
        if self.external_jwt_jwks_url is None:
            return self
        if not self.external_jwt_issuer or not self.external_jwt_audience:
            raise ValueError("EXTERNAL_JWT_JWKS_URL needs EXTERNAL_JWT_ISSUER and EXTERNAL_JWT_AUDIENCE")
        if self.external_jwt_issuer == self.jwt_issuer:
            raise ValueError("EXTERNAL_JWT_ISSUER must differ from JWT_ISSUER")
        if not self.external_jwt_algorithms:
            raise ValueError("EXTERNAL_JWT_ALGORITHMS must name at least one algorithm")
        return self

    @model_validator(mode="after")
    def credentials_need_listed_origins(self) -> Settings:
        if self.cors_allow_credentials and "*" in self.cors_origins:
            raise ValueError("CORS_ALLOW_CREDENTIALS cannot be combined with a '*' origin")
        return self

    @model_validator(mode="after")
    def secret_is_strong_outside_development(self) -> Settings:
        if self.has_weak_secret and self.environment != "development":
            raise ValueError(
                f"JWT_SECRET must be set to at least {MIN_SECRET_BYTES} random bytes outside "
                "development (ENVIRONMENT=development); generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        return self

    @property
    def has_weak_secret(self) -> bool:
        secret = self.jwt_secret.get_secret_value() if self.jwt_secret else ""
        return len(secret.encode()) < MIN_SECRET_BYTES or secret.lower() in KNOWN_WEAK_SECRETS


def with_development_secret(settings: Settings) -> Settings:
    """In development, a missing or weak JWT_SECRET is replaced by a generated one kept in
    DEV_SECRET_FILE, so that restarts and several workers agree on it. (The validators above
    have already refused a weak secret anywhere else.)"""
    if not settings.has_weak_secret:
        return settings
    secret = development_secret(settings.dev_secret_file)
    logger.warning(
        "JWT_SECRET is missing or weak: using the generated development secret in %s "
        "(set ENVIRONMENT=production and a real JWT_SECRET for production)",
        settings.dev_secret_file,
    )
    return settings.model_copy(update={"jwt_secret": SecretStr(secret)})


def development_secret(path: Path) -> str:
    if path.exists():
        secret = path.read_text().strip()
        if len(secret.encode()) >= MIN_SECRET_BYTES:
            return secret
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(secret)
    return secret


@lru_cache
def get_settings() -> Settings:
    """The process's settings: read from the environment once, with the development secret."""
    return with_development_secret(Settings())
