"""End to end through the Python client openapi-python-client generates from openapi.yaml,
against a live server (through Prism's validating proxy in scripts/client-check):

    python tests/clients/python/e2e.py BASE_URL [HEAD_URL]   (HEAD_URL: where HEAD goes)

The generated models parse every response (they refuse a missing required field or a wrong
`object`), errors are read as their typed models, and mypy --strict checks this file against
the generated client (scripts/client-check).
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent / "generated"))

from tasks_api_client import AuthenticatedClient, Client
from tasks_api_client.api.auth import issue_token, register_user
from tasks_api_client.api.tags import list_tags
from tasks_api_client.api.tasks import create_task, delete_task, get_task, head_task, list_tasks, update_task
from tasks_api_client.models import (
    OAuth2Error,
    OAuth2ErrorError,
    Priority,
    Problem,
    RegisterRequest,
    TagList,
    Task,
    TaskCreate,
    TaskPage,
    TaskSort,
    TaskTombstone,
    TaskUpdate,
    TokenPair,
    TokenRequest,
    TokenRequestGrantType,
    User,
    ValidationProblem,
)
from tasks_api_client.types import UNSET, Response

T = TypeVar("T")


class ContractViolation(AssertionError):
    pass


steps = 0


def ok(step: str) -> None:
    global steps  # noqa: PLW0603  (a script's step counter)
    steps += 1
    print(f"ok {steps} - {step}")


def parsed(response: Response[Any], status: int, kind: type[T], step: str) -> T:
    """The response's body as the model the contract gives that status."""
    if response.status_code != status:
        raise ContractViolation(
            f"{step}: status {response.status_code}, expected {status}: {response.content!r}"
        )
    if not isinstance(response.parsed, kind):
        raise ContractViolation(f"{step}: {type(response.parsed).__name__}, expected {kind.__name__}")
    return response.parsed


def check(condition: bool, what: str) -> None:
    if not condition:
        raise ContractViolation(what)


def main(base_url: str, head_url: str) -> None:
    anonymous = Client(base_url=base_url, raise_on_unexpected_status=True)
    email, password = f"python-client-{time.time_ns()}@example.com", "python client password"

    # Register; a failed grant is an OAuth2 error (RFC 6749 §5.2); log in.
    user = parsed(
        register_user.sync_detailed(client=anonymous, body=RegisterRequest(email=email, password=password)),
        HTTPStatus.CREATED,
        User,
        "register",
    )
    check(user.email == email, "registered email")
    ok("register")
    grant = TokenRequestGrantType.PASSWORD
    wrong = issue_token.sync_detailed(
        client=anonymous, body=TokenRequest(grant_type=grant, username=email, password="not the password")
    )
    refused = parsed(wrong, HTTPStatus.BAD_REQUEST, OAuth2Error, "a wrong password")
    check(refused.error is OAuth2ErrorError.INVALID_GRANT, f"a wrong password: {refused.error}")
    ok(f"a wrong password is a typed OAuth2 error: {refused.error} ({refused.error_description})")
    login = issue_token.sync_detailed(
        client=anonymous, body=TokenRequest(grant_type=grant, username=email, password=password)
    )
    tokens = parsed(login, HTTPStatus.OK, TokenPair, "log in")
    client = AuthenticatedClient(base_url=base_url, token=tokens.access_token)
    ok("log in with the password grant (a form body)")

    # Tasks with tags, a due date and a priority.
    created: list[Task] = []
    for index, priority in enumerate([Priority.HIGH, Priority.MEDIUM, Priority.HIGH, Priority.LOW]):
        body = TaskCreate(
            title=f"Paged {index}",
            tags=["paged", f"n{index}"],
            due_at=datetime(2030, 1, index + 1, 9, tzinfo=UTC),
            priority=priority,
        )
        created.append(parsed(create_task.sync_detailed(client=client, body=body), 201, Task, "create"))
    first = created[0]
    check(first.tags == ["n0", "paged"] and first.priority is Priority.HIGH, "created task fields")
    check(first.due_at == datetime(2030, 1, 1, 9, tzinfo=UTC), "created due date")
    ok(f"create {len(created)} tasks with tags, a due date and a priority")

    # A filtered listing, followed over three pages by next_cursor.
    titles: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = parsed(
            list_tasks.sync_detailed(
                client=client,
                tag=["paged"],
                priority=[Priority.HIGH, Priority.MEDIUM],
                sort=TaskSort.DUE_AT,
                limit=1,
                cursor=cursor if cursor is not None else UNSET,
            ),
            HTTPStatus.OK,
            TaskPage,
            "list a page",
        )
        titles.extend(item.title for item in page.items if isinstance(item, Task))
        pages += 1
        cursor = page.next_cursor
        if cursor is None or pages == 10:
            break
    check(pages == 3 and titles == ["Paged 0", "Paged 1", "Paged 2"], f"filtered listing: {pages} {titles}")
    ok("list with filters (tag, priority, sort) over 3 pages by next_cursor")
    tags = parsed(list_tags.sync_detailed(client=client, limit=100), HTTPStatus.OK, TagList, "list tags")
    check(any(tag.name == "paged" and tag.count == 4 for tag in tags.items), "tag counts")
    ok("list the tags")

    # Conditional requests: 304 for a current If-None-Match, 412 for a stale If-Match.
    current = get_task.sync_detailed(first.id, client=client)
    check(current.headers["etag"] == first.etag, "ETag header")
    unchanged = get_task.sync_detailed(first.id, client=client, if_none_match=first.etag)
    check(unchanged.status_code == HTTPStatus.NOT_MODIFIED and unchanged.content == b"", "304")
    check("content-type" not in unchanged.headers, "a 304 has no Content-Type")
    direct = AuthenticatedClient(base_url=head_url, token=tokens.access_token)
    head = head_task.sync_detailed(first.id, client=direct)
    check(head.status_code == HTTPStatus.OK and head.headers["etag"] == first.etag, "HEAD")
    ok("304 for a current If-None-Match; HEAD has the ETag")
    parsed(
        update_task.sync_detailed(first.id, client=client, body=TaskUpdate(title="Changed")),
        200,
        Task,
        "update",
    )
    stale = update_task.sync_detailed(
        first.id, client=client, body=TaskUpdate(title="Lost"), if_match=first.etag
    )
    problem = parsed(stale, HTTPStatus.PRECONDITION_FAILED, Problem, "a stale If-Match")
    check(
        problem.type_ == "urn:tasks-api:problem:precondition-failed" and bool(problem.request_id),
        "412 problem",
    )
    ok(f"412 for a stale If-Match, read as a typed problem: {problem.detail}")

    # A 422 is a typed problem that lists what is wrong: fields the schema allows but the server
    # refuses together (Prism answers requests the schema refuses itself).
    refused_fields = TaskCreate(
        title="x",
        due_at=datetime(2030, 1, 1, 9, tzinfo=UTC),
        remind_at=datetime(2030, 1, 2, 9, tzinfo=UTC),
        recurrence="FREQ=DAILY;COUNT=0",
    )
    invalid = create_task.sync_detailed(client=client, body=refused_fields)
    validation = parsed(invalid, HTTPStatus.UNPROCESSABLE_ENTITY, ValidationProblem, "an invalid task")
    pointers = sorted(error.pointer for error in validation.errors)
    check(pointers == ["/body/recurrence", "/body/remind_at"], f"422 errors: {pointers}")
    ok(f"422 read as a typed problem: {' '.join(error.detail for error in validation.errors)}")

    # Delta sync: a tombstone for the deleted task, told apart by its discriminator.
    since = datetime.now(UTC) - timedelta(seconds=1)
    doomed = created[3]
    deleted = delete_task.sync_detailed(doomed.id, client=client)
    check(deleted.status_code == HTTPStatus.NO_CONTENT and "content-type" not in deleted.headers, "204")
    ok("delete a task (204, no Content-Type)")
    delta = parsed(
        list_tasks.sync_detailed(client=client, updated_since=since, sort=TaskSort.UPDATED_AT),
        HTTPStatus.OK,
        TaskPage,
        "delta sync",
    )
    tombstones = [item for item in delta.items if item.object_ == "task_tombstone"]
    check(len(tombstones) == 1 and isinstance(tombstones[0], TaskTombstone), "one tombstone")
    check(tombstones[0].id == doomed.id and tombstones[0].deleted, "the tombstone")
    ok(f"delta sync: a tombstone narrowed by its discriminator (deleted_at {tombstones[0].deleted_at})")
    gone = parsed(get_task.sync_detailed(doomed.id, client=client), HTTPStatus.NOT_FOUND, Problem, "deleted")
    check(gone.status == HTTPStatus.NOT_FOUND, "404 problem")
    ok("the deleted task is a 404 problem")
    print(f"{steps} passed, 0 failed")


if __name__ == "__main__":
    if len(sys.argv) not in {2, 3}:
        sys.exit("usage: e2e.py BASE_URL [HEAD_URL]")
    main(sys.argv[1], sys.argv[-1])
