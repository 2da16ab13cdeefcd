"""Settings refuse unsafe configurations and map database URLs to psycopg 3."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from impl.db.engine import normalize_url
from impl.settings import Settings, with_development_secret


@pytest.mark.parametrize("secret", [None, "short", "changethis", "x" * 31])
def test_production_refuses_a_missing_or_weak_secret(secret: str | None) -> None:
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings(environment="production", jwt_secret=secret)


def test_development_generates_a_secret_keeps_it_and_says_so(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    secret_file = tmp_path / "var" / "dev-jwt-secret"
    read = Settings(environment="development", jwt_secret=None, dev_secret_file=secret_file)
    assert read.jwt_secret is None
    assert not secret_file.exists()  # reading settings writes nothing
    settings = with_development_secret(read)
    assert settings.jwt_secret is not None
    secret = settings.jwt_secret.get_secret_value()
    assert len(secret) >= 32
    assert "JWT_SECRET is missing or weak" in caplog.text
    assert secret not in caplog.text
    assert secret_file.stat().st_mode & 0o777 == 0o600
    again = with_development_secret(
        Settings(environment="development", jwt_secret=None, dev_secret_file=secret_file)
    )
    assert again.jwt_secret is not None
    assert again.jwt_secret.get_secret_value() == secret


def test_a_strong_secret_is_kept_and_never_printed() -> None:
    settings = Settings(environment="production", jwt_secret="s" * 48)
    assert settings.jwt_secret is not None
    assert settings.jwt_secret.get_secret_value() == "s" * 48
    assert "s" * 48 not in repr(settings)


def test_cors_origins_are_comma_separated_and_never_null_or_credentialed_wildcards(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example.com, https://b.example.com/")
    assert Settings(jwt_secret="s" * 48).cors_origins == ["https://a.example.com", "https://b.example.com"]
    with pytest.raises(ValidationError):
        Settings(jwt_secret="s" * 48, cors_origins="null")
    with pytest.raises(ValidationError):
        Settings(jwt_secret="s" * 48, cors_origins="*", cors_allow_credentials=True)


def test_cors_is_closed_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CORS_ORIGINS", raising=False)
    assert Settings(jwt_secret="s" * 48).cors_origins == []


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgresql://u:p@ep-x.eu-central-1.aws.neon.tech/db?sslmode=require", "postgresql+psycopg"),
        ("postgres://u:p@localhost/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u@localhost/db", "postgresql+psycopg"),
        ("sqlite:///./var/tasks.db", "sqlite"),
    ],
)
def test_database_urls_map_to_psycopg_3(url: str, driver: str) -> None:
    normalized = normalize_url(url)
    assert normalized.drivername == driver
    if "sslmode" in url:
        assert normalized.query["sslmode"] == "require"


def test_unsupported_database_schemes_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported DATABASE_URL"):
        normalize_url("mysql://root@localhost/db")


@pytest.mark.parametrize("level", ["warning", "WARNING", "Warning"])
def test_log_level_accepts_any_case(level: str) -> None:
    assert Settings(jwt_secret="s" * 48, log_level=level).log_level == "warning"


def test_logs_are_json_outside_development_unless_told_otherwise() -> None:
    assert Settings(environment="production", jwt_secret="s" * 48).effective_log_format == "json"
    assert Settings(environment="test", jwt_secret="s" * 48).effective_log_format == "json"
    assert Settings(environment="development", jwt_secret="s" * 48).effective_log_format == "text"
    chosen = Settings(environment="production", jwt_secret="s" * 48, log_format="TEXT")
    assert chosen.effective_log_format == "text"


def test_operational_defaults_are_bounded() -> None:
    settings = Settings(jwt_secret="s" * 48)
    assert settings.database_connect_timeout_seconds == 5
    assert settings.database_statement_timeout_ms == 10_000
    assert settings.database_lock_timeout_ms == 5_000
    assert settings.database_pool_timeout_seconds == 5
    assert settings.redis_timeout_seconds < 1
    assert settings.metrics_port is None
