"""What an operator reads: JSON lines (the default outside development) with a timestamp,
a level and the request id; one access line per request with its route template, status,
duration and user id; one traceback for a 500, under its request id; and never a password,
an email, a token, a password hash or an SQL parameter (not even in a database error)."""

from __future__ import annotations

import json
import re

import httpx
import psycopg

from impl.migrate import upgrade
from tests.accounts import PASSWORD
from tests.conftest import TEST_SECRET
from tests.faults.server_process import running, wait_for

DB_PASSWORD = "db-pass-" + "q" * 12  # trust authentication accepts and ignores it
TRIGGER = """
CREATE FUNCTION refuse_blocked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.email LIKE '%@blocked.example' THEN
    RAISE EXCEPTION 'registration refused by a trigger' USING DETAIL = 'Failing row contains ' || NEW::text;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER refuse_blocked BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION refuse_blocked();
"""


def test_json_logs_hold_what_operators_need_and_no_secrets(database_url: str) -> None:
    url = database_url.replace("postgres@", f"postgres:{DB_PASSWORD}@")
    env = {"ENVIRONMENT": "production", "LOG_LEVEL": "INFO"}  # LOG_FORMAT unset: JSON outside development
    upgrade(url)
    with psycopg.connect(database_url) as connection:
        # A rule the service does not know about: a registration that breaks it fails deep in
        # the database, as a bug would, with the row (email, password hash) in the error.
        connection.execute(TRIGGER)
    with running(url, env) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        registered = http.post(
            "/api/v1/auth/register", json={"email": "alice@example.com", "password": PASSWORD}
        )
        user_id = registered.json()["id"]
        tokens = http.post(
            "/api/v1/auth/token", data={"username": "alice@example.com", "password": PASSWORD}
        ).json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}", "X-Request-ID": "trace-me-0123456789"}
        created = http.post("/api/v1/tasks", json={"title": "a private title"}, headers=headers)
        assert created.status_code == 201
        assert http.get(f"/api/v1/tasks/{created.json()['id']}", headers=headers).status_code == 200
        broken = http.post(
            "/api/v1/auth/register", json={"email": "eve@blocked.example", "password": PASSWORD}
        )
        assert broken.status_code == 500
        failed_id = broken.json()["request_id"]
        wait_for(lambda: any(line.get("request_id") == failed_id for line in server.access_lines()), 5)
        log = server.log()

    lines = [json.loads(line) for line in log.splitlines() if line.strip()]  # every line is JSON
    for line in lines:
        assert {"timestamp", "level", "logger", "message"} <= line.keys()
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", line["timestamp"])

    access = [line for line in lines if line["logger"] == "tasks_api.access"]
    assert len(access) == 6, "one line per request"
    for line in access:
        assert {"request_id", "method", "route", "status", "duration_ms", "user_id"} <= line.keys()
    traced = [line for line in access if line["request_id"] == "trace-me-0123456789"]
    assert [line["route"] for line in traced] == ["/api/v1/tasks", "/api/v1/tasks/{task_id}"]
    assert all(line["user_id"] == user_id for line in traced)
    assert [line["status"] for line in access if line["request_id"] == failed_id] == [500]

    tracebacks = [line for line in lines if "exc_info" in line]
    assert len(tracebacks) == 1, "one traceback, for the 500"
    assert tracebacks[0]["request_id"] == failed_id
    assert "RaiseException" in tracebacks[0]["exc_info"]

    for secret in (
        PASSWORD,
        "alice@example.com",
        "eve@blocked.example",
        "blocked.example",
        "a private title",
        tokens["access_token"],
        tokens["refresh_token"],
        "$argon2id$",
        TEST_SECRET,
        DB_PASSWORD,
        "Failing row",
    ):
        assert secret not in log, f"{secret[:20]!r} is in the log"


def test_text_logs_carry_the_request_id_too(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/text.db"
    with running(url, {"LOG_FORMAT": "text", "LOG_LEVEL": "Info"}) as server:
        httpx.get(
            f"{server.url}/api/v1/health/live", headers={"X-Request-ID": "text-trace-12345"}, timeout=10
        )
        wait_for(lambda: "text-trace-12345" in server.log(), timeout=5)
        line = next(line for line in server.log().splitlines() if "text-trace-12345" in line)
    assert re.match(
        r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ INFO tasks_api.access GET /api/v1/health/live 200 ", line
    )
