"""Lists through the real app, on every backend: CRUD, ETags, names, colours, the cap, counts,
paging, delta sync, moves and deleting a list with its tasks or into the inbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from impl.db.ranks import clock_rank
from impl.db.tables import ListRow
from tests.accounts import Account
from tests.lists.list_requests import LISTS, all_lists, create_list, list_url
from tests.problems import assert_problem
from tests.tasks.task_requests import TASKS, create, listed, task_url


def test_create_get_update_with_etags(client: TestClient, alice: Account) -> None:
    response = client.post(LISTS, json={"name": "  Groceries ", "color": "#A1B2C3"}, headers=alice.headers)
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == list_url(created)
    assert response.headers["etag"] == created["etag"] == '"1"'
    assert (created["object"], created["name"], created["color"]) == ("list", "Groceries", "#a1b2c3")
    assert (created["open_task_count"], created["completed_task_count"]) == (0, 0)
    assert client.get(list_url(created), headers=alice.headers).json() == created
    assert client.get(list_url(created), headers={**alice.headers, "If-None-Match": '"1"'}).status_code == 304

    renamed = client.patch(
        list_url(created),
        json={"name": "Weekly shop", "color": None},
        headers={**alice.headers, "If-Match": '"1"'},
    )
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["name"], renamed.json()["color"], renamed.headers["etag"]) == (
        "Weekly shop",
        None,
        '"2"',
    )
    stale = client.patch(list_url(created), json={"name": "x"}, headers={**alice.headers, "If-Match": '"1"'})
    assert_problem(stale, 412)
    assert stale.headers["etag"] == '"2"'
    assert client.patch(list_url(created), json={}, headers=alice.headers).json()["etag"] == '"2"'


def test_names_are_unique_case_insensitively_and_colours_are_checked(
    client: TestClient, alice: Account
) -> None:
    first = create_list(client, alice, "Work")
    problem = assert_problem(client.post(LISTS, json={"name": "WORK "}, headers=alice.headers), 409)
    assert problem["type"] == "urn:tasks-api:problem:list-name-taken"
    other = create_list(client, alice, "Home", color="teal")
    assert_problem(client.patch(list_url(other), json={"name": "work"}, headers=alice.headers), 409)
    # Renaming a list to another spelling of its own name is fine.
    assert client.patch(list_url(first), json={"name": "WORK"}, headers=alice.headers).status_code == 200
    problem = assert_problem(
        client.post(LISTS, json={"name": "x", "color": "mauve"}, headers=alice.headers), 422
    )
    assert problem["errors"][0]["pointer"] == "/body/color"
    problem = assert_problem(client.post(LISTS, json={"name": "x" * 101}, headers=alice.headers), 422)
    assert problem["errors"][0]["pointer"] == "/body/name"
    # A deleted list's name is free again.
    assert client.delete(list_url(first), params={"tasks": "inbox"}, headers=alice.headers).status_code == 204
    create_list(client, alice, "work")


def test_at_most_500_lists(client: TestClient, alice: Account, db: Session) -> None:
    now = datetime.now(UTC)
    for index in range(499):
        list_id = uuid.uuid4()
        db.add(
            ListRow(
                id=list_id,
                owner_id=uuid.UUID(alice.user_id),
                name=f"list {index}",
                name_key=f"list {index}",
                rank=clock_rank(now + timedelta(microseconds=index), list_id),
            )
        )
    db.commit()
    create_list(client, alice, "the 500th")
    problem = assert_problem(client.post(LISTS, json={"name": "one more"}, headers=alice.headers), 422)
    assert problem["errors"][0]["pointer"] == "/body"
    assert "500" in problem["detail"]


def test_lists_page_in_position_order_and_move(client: TestClient, alice: Account) -> None:
    names = [f"L{index}" for index in range(7)]
    made = [create_list(client, alice, name) for name in names]
    assert [item["name"] for item in all_lists(client, alice, limit=3)] == names
    moved = client.post(f"{list_url(made[5])}/move", json={"before_id": made[1]["id"]}, headers=alice.headers)
    assert moved.status_code == 200, moved.text
    assert moved.headers["etag"] == '"2"'
    client.post(f"{list_url(made[0])}/move", json={}, headers=alice.headers).raise_for_status()
    client.post(f"{list_url(made[3])}/move", json={"after_id": made[6]["id"]}, headers=alice.headers)
    expected = ["L5", "L1", "L2", "L4", "L6", "L3", "L0"]
    assert [item["name"] for item in all_lists(client, alice, limit=2)] == expected
    both = client.post(
        f"{list_url(made[2])}/move",
        json={"after_id": made[1]["id"], "before_id": made[4]["id"]},
        headers=alice.headers,
    )
    assert assert_problem(both, 422)["errors"][0]["pointer"] == "/body/before_id"
    itself = client.post(f"{list_url(made[2])}/move", json={"after_id": made[2]["id"]}, headers=alice.headers)
    assert assert_problem(itself, 422)["errors"][0]["pointer"] == "/body/after_id"


def test_a_new_list_goes_last_or_next_to_a_list(client: TestClient, alice: Account, bob: Account) -> None:
    first, last = create_list(client, alice, "first"), create_list(client, alice, "last")
    after = client.post(LISTS, json={"name": "after first", "after_id": first["id"]}, headers=alice.headers)
    assert after.status_code == 201, after.text
    before = client.post(
        LISTS, json={"name": "before first", "before_id": first["id"]}, headers=alice.headers
    )
    assert before.status_code == 201, before.text
    create_list(client, alice, "appended")
    expected = ["before first", "first", "after first", "last", "appended"]
    assert [item["name"] for item in all_lists(client, alice)] == expected
    assert last["id"]

    both = client.post(
        LISTS, json={"name": "x", "after_id": first["id"], "before_id": last["id"]}, headers=alice.headers
    )
    assert assert_problem(both, 422)["errors"][0]["pointer"] == "/body/before_id"
    bobs = create_list(client, bob, "Bob's")
    for anchor in (bobs["id"], str(uuid.uuid4())):
        missing = client.post(LISTS, json={"name": "x", "after_id": anchor}, headers=alice.headers)
        assert assert_problem(missing, 404)["errors"][0]["pointer"] == "/body/after_id"
    # Nothing was created by the refused requests.
    assert [item["name"] for item in all_lists(client, alice)] == expected


def test_many_creates_into_one_gap_rebalance_without_losing_the_order(
    client: TestClient, alice: Account
) -> None:
    first, second = create_list(client, alice, "first"), create_list(client, alice, "second")
    names = [f"n{index:03}" for index in range(300)]
    for name in names:  # each right after `first`: the gap before `second` shrinks every time
        response = client.post(LISTS, json={"name": name, "after_id": first["id"]}, headers=alice.headers)
        assert response.status_code == 201, response.text
    order = [item["name"] for item in all_lists(client, alice)]
    assert order == ["first", *reversed(names), "second"]
    positions = [item["position"] for item in all_lists(client, alice)]
    assert len(set(positions)) == len(positions) == 302
    assert max(len(position) for position in positions) <= 48
    # 300 halvings of one gap outgrow 48 base-62 digits: the lists were spread out again.
    assert positions[0] != first["position"]
    assert second["id"]


def test_many_moves_into_one_gap_rebalance_without_losing_the_order(
    client: TestClient, alice: Account
) -> None:
    first, second = create_list(client, alice, "first"), create_list(client, alice, "second")
    others = [create_list(client, alice, f"o{index}") for index in range(3)]
    # Each move goes right before `second`, i.e. into the shrinking gap after `first`.
    for item in [*others] * 120:
        response = client.post(
            f"{list_url(item)}/move", json={"after_id": first["id"]}, headers=alice.headers
        )
        assert response.status_code == 200, response.text
    order = [item["name"] for item in all_lists(client, alice)]
    assert order == ["first", "o2", "o1", "o0", "second"]
    positions = [item["position"] for item in all_lists(client, alice)]
    assert positions == sorted(positions)
    assert len(set(positions)) == 5
    assert max(len(position) for position in positions) <= 48
    assert second["id"]


def test_counts_and_delete_into_the_inbox(client: TestClient, alice: Account) -> None:
    groceries = create_list(client, alice)
    milk = create(client, alice, list_id=groceries["id"])
    create(client, alice, list_id=groceries["id"], completed=True)
    create(client, alice, parent_id=milk["id"])
    body = client.get(list_url(groceries), headers=alice.headers).json()
    assert (body["open_task_count"], body["completed_task_count"]) == (2, 1)
    required = assert_problem(client.delete(list_url(groceries), headers=alice.headers), 422)
    assert required["errors"][0]["pointer"] == "/query/tasks"
    assert (
        client.delete(list_url(groceries), params={"tasks": "inbox"}, headers=alice.headers).status_code
        == 204
    )
    assert_problem(client.get(list_url(groceries), headers=alice.headers), 404)
    inbox = listed(client, alice, list_id="inbox")
    assert len(inbox) == 3
    assert all(task["list_id"] is None for task in inbox)
    assert client.get(task_url(milk), headers=alice.headers).json()["subtask_count"] == 1


def test_delete_with_its_tasks_leaves_tombstones(client: TestClient, alice: Account) -> None:
    since = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    doomed = create_list(client, alice, "Doomed")
    parent = create(client, alice, list_id=doomed["id"], tags=["x"])
    child = create(client, alice, parent_id=parent["id"])
    kept = create(client, alice)
    stale = client.delete(
        list_url(doomed), params={"tasks": "delete"}, headers={**alice.headers, "If-Match": '"9"'}
    )
    assert_problem(stale, 412)
    assert (
        client.delete(list_url(doomed), params={"tasks": "delete"}, headers=alice.headers).status_code == 204
    )
    for task in (parent, child):
        assert_problem(client.get(task_url(task), headers=alice.headers), 404)
    assert [task["id"] for task in listed(client, alice)] == [kept["id"]]
    tombstones = {
        item["id"]
        for item in listed(client, alice, updated_since=since)
        if item["object"] == "task_tombstone"
    }
    assert tombstones == {parent["id"], child["id"]}
    synced = all_lists(client, alice, updated_since=since)
    assert synced == [
        {
            "object": "list_tombstone",
            "id": doomed["id"],
            "deleted": True,
            "deleted_at": synced[0]["deleted_at"],
        }
    ]
    assert client.get("/api/v1/tags", headers=alice.headers).json()["items"] == []


def test_delta_sync_of_lists(client: TestClient, alice: Account) -> None:
    old = create_list(client, alice, "old")
    since = client.get(list_url(old), headers=alice.headers).json()["updated_at"]
    changed = create_list(client, alice, "new")
    assert {item["id"] for item in all_lists(client, alice, updated_since=since)} >= {changed["id"]}
    long_ago = (datetime.now(UTC) - timedelta(days=400)).isoformat()
    assert_problem(client.get(LISTS, params={"updated_since": long_ago}, headers=alice.headers), 410)


def test_another_users_list_is_a_404_everywhere(client: TestClient, alice: Account, bob: Account) -> None:
    bobs = create_list(client, bob, "Bob's")
    bobs_task = create(client, bob, list_id=bobs["id"])
    mine = create_list(client, alice, "Mine")
    my_task = create(client, alice)
    url = list_url(bobs)
    assert_problem(client.get(url, headers=alice.headers), 404)
    assert_problem(client.patch(url, json={"name": "x"}, headers=alice.headers), 404)
    assert_problem(client.delete(url, params={"tasks": "delete"}, headers=alice.headers), 404)
    assert_problem(client.post(f"{url}/move", json={}, headers=alice.headers), 404)
    moved = client.post(f"{list_url(mine)}/move", json={"after_id": bobs["id"]}, headers=alice.headers)
    assert assert_problem(moved, 404)["errors"][0]["pointer"] == "/body/after_id"
    assert all_lists(client, alice) == [client.get(list_url(mine), headers=alice.headers).json()]
    for response in (
        client.post(TASKS, json={"title": "x", "list_id": bobs["id"]}, headers=alice.headers),
        client.patch(task_url(my_task), json={"list_id": bobs["id"]}, headers=alice.headers),
        client.post(f"{task_url(my_task)}/move", json={"list_id": bobs["id"]}, headers=alice.headers),
        client.post(
            f"{TASKS}/batch",
            json={"operations": [{"op": "create", "task": {"title": "x", "list_id": bobs["id"]}}]},
            headers=alice.headers,
        ),
    ):
        assert assert_problem(response, 404)["errors"][0]["pointer"].endswith("/list_id")
    filtered = client.get(TASKS, params={"list_id": bobs["id"]}, headers=alice.headers)
    assert assert_problem(filtered, 404)["errors"][0]["pointer"] == "/query/list_id"
    # Bob's list and task are untouched.
    assert client.get(task_url(bobs_task), headers=bob.headers).json()["list_id"] == bobs["id"]
    assert client.get(url, headers=bob.headers).json()["open_task_count"] == 1


def test_idempotency_key_replays_a_list_creation(client: TestClient, alice: Account, bob: Account) -> None:
    keyed = {**alice.headers, "Idempotency-Key": "list-1"}
    first = client.post(LISTS, json={"name": "Errands"}, headers=keyed)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    again = client.post(LISTS, json={"name": "Errands", "color": None}, headers=keyed)
    assert again.status_code == 201, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert (again.headers["location"], again.headers["etag"]) == (
        first.headers["location"],
        first.headers["etag"],
    )
    assert [item["name"] for item in all_lists(client, alice)] == ["Errands"]

    reused = client.post(LISTS, json={"name": "Other"}, headers=keyed)
    assert assert_problem(reused, 422)["type"] == "urn:tasks-api:problem:idempotency-key-reused"
    # The same key is another user's own.
    bobs = client.post(LISTS, json={"name": "Errands"}, headers={**bob.headers, "Idempotency-Key": "list-1"})
    assert bobs.status_code == 201
    assert "idempotent-replayed" not in bobs.headers
    assert bobs.json()["id"] != first.json()["id"]
    # A refused request stores nothing: the key is free for the next one.
    taken = client.post(
        LISTS, json={"name": "errands"}, headers={**alice.headers, "Idempotency-Key": "list-2"}
    )
    assert_problem(taken, 409)
    fresh = client.post(
        LISTS, json={"name": "Chores"}, headers={**alice.headers, "Idempotency-Key": "list-2"}
    )
    assert fresh.status_code == 201
    assert "idempotent-replayed" not in fresh.headers
