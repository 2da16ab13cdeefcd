"""Priorities, tags, due and reminder times: stored, normalized and checked on every backend."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.accounts import Account
from tests.problems import assert_problem
from tests.tasks.task_requests import TASKS, create, task_url


def test_defaults_of_a_new_task(client: TestClient, alice: Account) -> None:
    task = create(client, alice)
    assert task["priority"] == "none"
    assert task["tags"] == []
    assert (task["due_at"], task["remind_at"], task["recurrence"], task["next_occurrence_id"]) == (None,) * 4
    assert task["etag"] == '"1"'


def test_fields_round_trip_and_normalize(client: TestClient, alice: Account) -> None:
    task = create(
        client,
        alice,
        priority="high",
        tags=["  Work ", "ünïcode", "errands"],
        due_at="2026-03-01T10:00:00+01:00",
        remind_at="2026-03-01T08:30:00+01:00",
    )
    assert task["priority"] == "high"
    assert task["tags"] == ["errands", "Work", "ünïcode"]  # trimmed, sorted case-insensitively
    assert task["due_at"] == "2026-03-01T09:00:00Z"  # stored and answered in UTC
    assert task["remind_at"] == "2026-03-01T07:30:00Z"
    assert client.get(task_url(task), headers=alice.headers).json() == task


def test_patch_changes_only_given_fields_and_null_clears(client: TestClient, alice: Account) -> None:
    task = create(client, alice, priority="low", tags=["a"], due_at="2026-03-01T10:00:00Z")
    patched = client.patch(task_url(task), json={"tags": ["b", "c"]}, headers=alice.headers).json()
    assert (patched["priority"], patched["tags"], patched["due_at"]) == (
        "low",
        ["b", "c"],
        "2026-03-01T10:00:00Z",
    )
    cleared = client.patch(task_url(task), json={"due_at": None, "tags": []}, headers=alice.headers).json()
    assert (cleared["due_at"], cleared["tags"], cleared["priority"]) == (None, [], "low")


def test_put_resets_omitted_fields_to_their_defaults(client: TestClient, alice: Account) -> None:
    task = create(client, alice, priority="high", tags=["x"], due_at="2026-03-01T10:00:00Z")
    replaced = client.put(task_url(task), json={"title": "T", "completed": False}, headers=alice.headers)
    assert replaced.status_code == 200
    body = replaced.json()
    assert (body["priority"], body["tags"], body["due_at"], body["description"]) == ("none", [], None, None)


@pytest.mark.parametrize(
    ("fields", "pointer"),
    [
        ({"tags": ["Work", "work "]}, "/body/tags/1"),
        ({"tags": ["x"] * 2}, "/body/tags/1"),
        ({"tags": [f"t{i}" for i in range(21)]}, "/body/tags"),
        ({"tags": ["a" * 51]}, "/body/tags/0"),
        ({"tags": ["   "]}, "/body/tags/0"),
        ({"tags": [""]}, "/body/tags/0"),
        ({"tags": ["tab\there"]}, "/body/tags/0"),
        ({"tags": "work"}, "/body/tags"),
        ({"priority": "urgent"}, "/body/priority"),
        ({"priority": None}, "/body/priority"),
        ({"due_at": "2026-03-01T10:00:00"}, "/body/due_at"),  # no offset
        ({"due_at": "2026-03-01"}, "/body/due_at"),
        ({"due_at": "2026-03-01T10:00Z"}, "/body/due_at"),  # RFC 3339 needs seconds
        ({"due_at": 1767225600}, "/body/due_at"),  # a JSON number is not a date-time
        ({"due_at": 1767225600.5}, "/body/due_at"),
        ({"due_at": "1767225600"}, "/body/due_at"),
        ({"due_at": True}, "/body/due_at"),
        ({"due_at": "2026-02-30T10:00:00Z"}, "/body/due_at"),
        ({"due_at": "0001-01-01T00:00:00+01:00"}, "/body/due_at"),  # before year 1 in UTC
        ({"due_at": "2026-03-01T10:00:00Z", "remind_at": "2026-03-01T10:00:01Z"}, "/body/remind_at"),
    ],
)
def test_invalid_fields_are_422_naming_the_field(
    client: TestClient, alice: Account, fields: dict[str, object], pointer: str
) -> None:
    body = assert_problem(client.post(TASKS, json={"title": "t", **fields}, headers=alice.headers), 422)
    assert pointer in [error["pointer"] for error in body["errors"]]
    assert client.get(TASKS, headers=alice.headers).json()["items"] == []


def test_a_reminder_may_equal_the_due_time_or_stand_alone(client: TestClient, alice: Account) -> None:
    create(client, alice, due_at="2026-03-01T10:00:00Z", remind_at="2026-03-01T10:00:00Z")
    create(client, alice, remind_at="2026-03-01T10:00:00Z")


def test_patching_due_at_before_the_reminder_blames_due_at(client: TestClient, alice: Account) -> None:
    task = create(client, alice, due_at="2026-03-01T10:00:00Z", remind_at="2026-03-01T09:00:00Z")
    response = client.patch(task_url(task), json={"due_at": "2026-03-01T08:00:00Z"}, headers=alice.headers)
    body = assert_problem(response, 422)
    assert body["errors"] == [{"pointer": "/body/due_at", "detail": "remind_at must not be after due_at."}]
    assert client.get(task_url(task), headers=alice.headers).json()["due_at"] == "2026-03-01T10:00:00Z"


def test_date_time_query_parameters_refuse_numbers(client: TestClient, alice: Account) -> None:
    for name in ("due_before", "due_after", "updated_since"):
        body = assert_problem(client.get(TASKS, params={name: "1767225600"}, headers=alice.headers), 422)
        assert body["errors"][0]["pointer"] == f"/query/{name}"
