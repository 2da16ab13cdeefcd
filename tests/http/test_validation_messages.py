"""Validation errors say what is expected in words: never a regular expression, never a
library's prefix ("Value error, ..."), never pydantic's phrasing ("Input should be ...")."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from generated.contract import CONTRACT
from impl.http.validation_messages import PATTERN_MESSAGES, RECURRENCE_PATTERN_START
from tests.accounts import Account
from tests.openapi_document import HTTP_METHODS, resolve
from tests.problems import Response, assert_problem
from tests.tasks.task_requests import TASKS, create, task_url

LIBRARY_PHRASES = re.compile(r"pattern|Value error|Input should|String should|List should|\^|\\x|\[\^")


def only_error(response: Response) -> dict[str, str]:
    problem = assert_problem(response, 422)
    errors = problem["errors"]
    assert isinstance(errors, list)
    assert len(errors) == 1, errors
    assert problem["detail"] == f"The request is invalid: {errors[0]['detail']}"
    error: dict[str, str] = errors[0]
    return error


def test_the_examples_from_the_issue_read_as_sentences(client: TestClient, alice: Account) -> None:
    task = create(client, alice)
    title = only_error(client.post(TASKS, json={"title": "   "}, headers=alice.headers))
    assert title == {
        "pointer": "/body/title",
        "detail": "title must have at least one character that is not whitespace, and no control characters.",
    }
    if_match = only_error(
        client.patch(task_url(task), json={"title": "x"}, headers={**alice.headers, "If-Match": "2"})
    )
    assert if_match == {
        "pointer": "/header/If-Match",
        "detail": 'If-Match must be one or more entity tags in double quotes, e.g. "3", or *.',
    }
    rule = only_error(
        client.post(TASKS, json={"title": "x", "recurrence": "every monday"}, headers=alice.headers)
    )
    assert rule["detail"].startswith(
        "recurrence must be an RFC 5545 recurrence rule such as FREQ=WEEKLY;BYDAY=MO,TH: NAME=VALUE parts"
    )
    key = only_error(
        client.post(TASKS, json={"title": "x"}, headers={**alice.headers, "Idempotency-Key": "my key"})
    )
    assert key == {
        "pointer": "/header/Idempotency-Key",
        "detail": "Idempotency-Key must be printable ASCII without spaces, e.g. a UUID.",
    }
    due = only_error(client.post(TASKS, json={"title": "x", "due_at": "tomorrow"}, headers=alice.headers))
    assert due == {
        "pointer": "/body/due_at",
        "detail": "due_at must be an RFC 3339 date-time with an offset, e.g. 2026-01-15T09:30:00Z.",
    }


INVALID_REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", TASKS, {"json": {"title": "", "priority": "urgent", "tags": ["a" * 51, 3], "completed": "yes"}}),
    ("POST", TASKS, {"json": {"title": "x", "description": 5, "due_at": 1700000000, "extra": 1}}),
    ("POST", TASKS, {"json": {"title": "x\u0000", "tags": "work", "remind_at": "2026-01-01"}}),
    ("POST", TASKS, {"json": []}),
    ("POST", TASKS, {"json": {"title": "x", "recurrence": "RRULE:A=0"}}),
    ("POST", f"{TASKS}/batch", {"json": {"operations": [{"op": "nope"}, {"id": "x"}, {"op": "update"}]}}),
    ("POST", f"{TASKS}/batch", {"json": {"operations": []}}),
    ("GET", TASKS, {"params": {"limit": "ten", "sort": "size", "due_before": "soon", "cursor": "a b"}}),
    ("GET", TASKS, {"params": {"completed": "maybe", "q": "\u0001", "limit": "0"}}),
    ("GET", f"{TASKS}/not-a-uuid", {}),
    ("POST", "/api/v1/auth/register", {"json": {"email": "nope", "password": "short\u0000"}}),
    ("POST", "/api/v1/auth/refresh", {"json": {"refresh_token": "not base64!"}}),
]


@pytest.mark.parametrize(("method", "path", "kwargs"), INVALID_REQUESTS)
def test_no_message_quotes_a_pattern_or_a_library(
    client: TestClient, alice: Account, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    response = client.request(method, path, headers=alice.headers, **kwargs)
    problem = assert_problem(response, 422)
    errors = problem["errors"]
    assert isinstance(errors, list)
    assert errors
    for error in [*errors, {"detail": problem["detail"]}]:
        assert not LIBRARY_PHRASES.search(error["detail"]), error
        assert error["detail"].endswith((".", "errors.")), error


def request_patterns() -> set[str]:
    """Every pattern a request can break: in parameters and in request bodies."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        node = resolve(node)
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                found.add(node["pattern"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for item in CONTRACT["paths"].values():
        for method in HTTP_METHODS:
            if method in item:
                for raw in [*item.get("parameters", []), *item[method].get("parameters", [])]:
                    walk(resolve(raw).get("schema", {}))
                if "requestBody" in item[method]:
                    walk(resolve(item[method]["requestBody"]))
    return found


def test_every_request_pattern_is_described_in_words() -> None:
    patterns = request_patterns()
    assert len(patterns) >= 7
    for pattern in patterns:
        assert pattern in PATTERN_MESSAGES or pattern.startswith(RECURRENCE_PATTERN_START), pattern


def test_errors_are_capped_at_the_contracts_bound(client: TestClient, alice: Account) -> None:
    body = {"title": "x", **{f"field{index}": index for index in range(150)}}
    problem = assert_problem(client.post(TASKS, json=body, headers=alice.headers), 422)
    assert problem["detail"] == "The request is invalid in 150 places; see errors."
    assert len(problem["errors"]) == 100
    huge = assert_problem(client.post(TASKS, json={"title": "x", "k" * 5000: 1}, headers=alice.headers), 422)
    assert huge["errors"][0]["pointer"] == "/body/" + "k" * 200


# What the server accepts, and grammar the pattern refuses (the server refuses it too).
ACCEPTED_RULES = [
    "FREQ=WEEKLY;BYDAY=MO,TH",
    "RRULE:FREQ=DAILY;INTERVAL=2;COUNT=10",
    "freq=monthly;bymonthday=-1",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;UNTIL=20400101T000000Z",
    "FREQ=MONTHLY;BYDAY=-1FR;BYSETPOS=1;WKST=SU",
    "FREQ=HOURLY;INTERVAL=3;BYHOUR=9,12,15;BYMINUTE=30",
    "FREQ=WEEKLY;UNTIL=20401231T000000Z",
]
GRAMMAR_ERRORS = [
    "RRULE:A=0",
    "every monday",
    "FREQ=DAILY;",
    "FREQ=SECONDLY",
    "FREQ=DAILY;BYWEEKNO=1",
    "FREQ=WEEKLY;BYDAY=MONDAY",
    "FREQ=DAILY;COUNT=ten",
    "FREQ=DAILY;UNTIL=2040-01-01",
    " FREQ=DAILY",
]


def recurrence_pattern() -> re.Pattern[str]:
    return re.compile(resolve({"$ref": "#/components/schemas/Recurrence"})["pattern"])


@pytest.mark.parametrize("rule", ACCEPTED_RULES)
def test_the_recurrence_pattern_admits_rules_the_server_accepts(
    client: TestClient, alice: Account, rule: str
) -> None:
    assert recurrence_pattern().match(rule)
    body = {"title": "x", "due_at": "2030-01-07T09:00:00Z", "recurrence": rule}
    assert client.post(TASKS, json=body, headers=alice.headers).status_code == 201


@pytest.mark.parametrize("rule", GRAMMAR_ERRORS)
def test_the_recurrence_pattern_refuses_what_the_grammar_does_not_allow(
    client: TestClient, alice: Account, rule: str
) -> None:
    assert not recurrence_pattern().match(rule)
    body = {"title": "x", "due_at": "2030-01-07T09:00:00Z", "recurrence": rule}
    error = only_error(client.post(TASKS, json=body, headers=alice.headers))
    assert error["pointer"] == "/body/recurrence"


def test_names_from_the_request_show_control_characters_as_escapes(
    client: TestClient, alice: Account
) -> None:
    problem = assert_problem(
        client.post(TASKS, json={"title": "x", "a\u0000b\u0085": 1}, headers=alice.headers), 422
    )
    assert problem["errors"] == [
        {
            "pointer": "/body/a\u0000b\u0085",
            "detail": "a\\u0000b\\u0085 is not a field of this request; remove it.",
        }
    ]
    unknown = assert_problem(client.get(TASKS, params={"x\u0001": "1"}, headers=alice.headers), 422)
    assert str(unknown["detail"]).startswith("The request is invalid: x\\u0001 is not a parameter")
    missing = assert_problem(client.get("/api/v1/nothing%00here"), 404)
    assert missing["detail"] == "There is no resource at /api/v1/nothing%00here."
