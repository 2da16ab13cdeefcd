"""A deterministic probe that random fuzzing can miss: "\\u0000" in every string field of
every request body and in every string query parameter is refused with a 4xx problem that
names the field (PostgreSQL cannot store NUL in text; it must never reach the database); the
token endpoint refuses it as an OAuth2 invalid_request (unsupported_grant_type for
grant_type) that names the field."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from generated.contract import CONTRACT
from tests.accounts import Account
from tests.openapi_document import HTTP_METHODS, resolve
from tests.problems import assert_oauth2_error, assert_problem

NUL = "\u0000"


def is_string(schema: dict[str, Any]) -> bool:
    kinds = schema.get("type")
    return kinds == "string" or (isinstance(kinds, list) and "string" in kinds)


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in CONTRACT["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


@dataclass(frozen=True)
class BodyProbe:
    path: str
    method: str
    media_type: str
    body: dict[str, Any]
    field: str


def body_probes() -> Iterator[Any]:
    for path, method, operation in operations():
        if "requestBody" not in operation:
            continue
        ((media_type, content),) = resolve(operation["requestBody"])["content"].items()
        example = resolve(next(iter(content["examples"].values())))["value"]
        schema = resolve(content["schema"])
        for name, field in schema["properties"].items():
            if is_string(resolve(field)):
                body = {**copy.deepcopy(example), name: NUL}
                probe = BodyProbe(path, method, media_type, body, name)
                yield pytest.param(probe, id=f"{operation['operationId']}.{name}")


def query_probes() -> Iterator[Any]:
    for path, method, operation in operations():
        for parameter in map(resolve, operation.get("parameters", [])):
            if parameter["in"] == "query" and is_string(resolve(parameter["schema"])):
                name = parameter["name"]
                yield pytest.param(path, method, name, id=f"{operation['operationId']}.{name}")


def url_for(client: TestClient, account: Account, path: str) -> str:
    if "{list_id}" in path:
        made = client.post("/api/v1/lists", json={"name": "NUL probe"}, headers=account.headers)
        assert made.status_code == 201, made.text
        return path.replace("{list_id}", made.json()["id"])
    if "{task_id}" not in path:
        return path
    task = client.post("/api/v1/tasks", json={"title": "NUL probe"}, headers=account.headers)
    assert task.status_code == 201, task.text
    return path.replace("{task_id}", task.json()["id"])


def pointers(problem: dict[str, object]) -> list[str]:
    errors = problem["errors"]
    assert isinstance(errors, list)
    return [error["pointer"] for error in errors]


def test_every_probe_is_found() -> None:
    assert len(list(body_probes())) >= 10
    assert [probe.id for probe in query_probes()] == [
        "listTasks.cursor",
        "listTasks.sort",
        "listTasks.due_before",
        "listTasks.due_after",
        "listTasks.q",
        "listTasks.updated_since",
        "listTasks.list_id",
        "listTasks.parent_id",
        "listLists.cursor",
        "listLists.updated_since",
        "deleteList.tasks",
        "listTags.cursor",
        "streamEvents.ticket",
        "streamEvents.last_id",
        "listReminders.due_before",
    ]


@pytest.mark.parametrize("probe", list(body_probes()))
def test_nul_in_a_body_field_is_refused(client: TestClient, alice: Account, probe: BodyProbe) -> None:
    url = url_for(client, alice, probe.path)
    method = probe.method.upper()
    if probe.media_type == "application/x-www-form-urlencoded":
        response = client.request(method, url, headers=alice.headers, data=probe.body)
    else:
        response = client.request(method, url, headers=alice.headers, json=probe.body)
    if probe.path == "/api/v1/auth/token":
        error = "unsupported_grant_type" if probe.field == "grant_type" else "invalid_request"
        body = assert_oauth2_error(response, error)
        assert error != "invalid_request" or body["error_description"].startswith(probe.field)
        return
    problem = assert_problem(response, 422)
    assert f"/body/{probe.field}" in pointers(problem)


@pytest.mark.parametrize(("path", "method", "name"), list(query_probes()))
def test_nul_in_a_query_parameter_is_refused(
    client: TestClient, alice: Account, path: str, method: str, name: str
) -> None:
    response = client.request(
        method.upper(), url_for(client, alice, path), params={name: NUL}, headers=alice.headers
    )
    problem = assert_problem(response, 422)
    assert f"/query/{name}" in pointers(problem)
