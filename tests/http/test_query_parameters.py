"""Query parameters an operation does not declare are a 422 that names them (not ignored),
with a hint for the usual mistakes: axios's `name[]`, comma-separated lists, offset paging."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from generated.contract import CONTRACT
from tests.accounts import Account
from tests.problems import Response, assert_problem
from tests.tasks.task_requests import TASKS, create


def errors(response: Response) -> list[dict[str, str]]:
    problem = assert_problem(response, 422)
    found = problem["errors"]
    assert isinstance(found, list)
    return found


def test_the_convention_is_in_the_contract() -> None:
    description = CONTRACT["info"]["description"]
    assert "Query parameters** not declared for an operation are refused (422" in description
    assert "?priority=high&priority=medium" in description


def test_an_axios_style_array_parameter_says_to_repeat_the_parameter(
    client: TestClient, alice: Account
) -> None:
    create(client, alice, priority="low")
    response = client.get(TASKS, params={"priority[]": ["high", "medium"]}, headers=alice.headers)
    assert errors(response) == [
        {
            "pointer": "/query/priority[]",
            "detail": "priority[] is not a parameter of this operation; to send several values, "
            "repeat the parameter: ?priority=high&priority=medium.",
        }
    ]
    tags = client.get(TASKS, params={"tag[]": "work"}, headers=alice.headers)
    assert errors(tags)[0]["detail"].endswith("repeat the parameter: ?tag=work&tag=urgent.")


@pytest.mark.parametrize("name", ["page", "offset"])
def test_offset_paging_says_how_pages_are_reached(client: TestClient, alice: Account, name: str) -> None:
    response = client.get(TASKS, params={name: "2"}, headers=alice.headers)
    assert errors(response) == [
        {
            "pointer": f"/query/{name}",
            "detail": f"{name} is not a parameter of this operation; "
            "pages are reached with cursor=<the next_cursor of the previous page>.",
        }
    ]


def test_other_unknown_parameters_list_what_the_operation_takes(client: TestClient, alice: Account) -> None:
    response = client.get("/api/v1/tags", params={"sort": "name", "x": "1"}, headers=alice.headers)
    assert [error["detail"] for error in errors(response)] == [
        "sort is not a parameter of this operation; it takes cursor, limit.",
        "x is not a parameter of this operation; it takes cursor, limit.",
    ]
    live = client.get("/api/v1/health/live", params={"verbose": "1"})
    assert (
        errors(live)[0]["detail"]
        == "verbose is not a parameter of this operation; it takes no query parameters."
    )
    assert client.head(TASKS, params={"page": "2"}, headers=alice.headers).status_code == 422


def test_a_comma_separated_list_says_to_repeat_the_parameter(client: TestClient, alice: Account) -> None:
    response = client.get(TASKS, params={"priority": "high,medium"}, headers=alice.headers)
    assert errors(response) == [
        {
            "pointer": "/query/priority/0",
            "detail": "priority[0] must be one of none, low, medium, high; to send several values, "
            "repeat the parameter: ?priority=high&priority=medium.",
        }
    ]


def test_declared_parameters_still_work(client: TestClient, alice: Account) -> None:
    create(client, alice, priority="high", tags=["work"])
    create(client, alice, priority="low")
    params = {"priority": ["high", "medium"], "tag": "work", "limit": "5", "sort": "title"}
    response = client.get(TASKS, params=params, headers=alice.headers)
    assert response.status_code == 200, response.text
    assert [task["priority"] for task in response.json()["items"]] == ["high"]


def test_a_long_unknown_name_stays_within_the_contracts_bounds(client: TestClient, alice: Account) -> None:
    response = client.get(TASKS, params={"x" * 5000: "1"}, headers=alice.headers)
    (error,) = errors(response)
    assert error["pointer"] == "/query/" + "x" * 100
    assert len(error["detail"]) <= 300
