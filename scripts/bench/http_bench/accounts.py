"""The benchmark's own accounts, made through the API as a client would make them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import httpx

API = "/api/v1"
LIST_TASKS = 100
WORDS = ("milk", "Report", "call", "Plan", "écrire", "fix", "Buy", "review", "zebra", "apple")
PRIORITIES = ("none", "low", "medium", "high")
TAGS: tuple[tuple[str, ...], ...] = ((), ("work",), ("home", "errands"), (), ("work", "urgent"))


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    user_id: uuid.UUID
    token: str

    def login_form(self) -> str:
        return urlencode({"grant_type": "password", "username": self.email, "password": self.password})


def _checked(response: httpx.Response, expected: int) -> httpx.Response:
    if response.status_code != expected:
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path} answered {response.status_code}, "
            f"not {expected}: {response.text[:500]}"
        )
    return response


def register(client: httpx.Client, name: str) -> Account:
    email = f"bench-{name}@bench.example"
    password = f"{name} runs the http benchmark all day"
    user = _checked(client.post(f"{API}/auth/register", json={"email": email, "password": password}), 201)
    form = {"grant_type": "password", "username": email, "password": password}
    tokens = _checked(client.post(f"{API}/auth/token", data=form), 200).json()
    return Account(email, password, uuid.UUID(user.json()["id"]), tokens["access_token"])


def create_list_tasks(client: httpx.Client, account: Account) -> None:
    """Exactly LIST_TASKS tasks: varied titles and priorities, a few tags, some due dates."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    operations = []
    for index in range(LIST_TASKS):
        task: dict[str, object] = {
            "title": f"{WORDS[index % len(WORDS)]} {WORDS[(index * 7) % len(WORDS)]} {index}",
            "priority": PRIORITIES[index % len(PRIORITIES)],
            "tags": list(TAGS[index % len(TAGS)]),
        }
        if index % 3 == 0:
            task["due_at"] = (start + timedelta(days=index)).isoformat()
        if index % 10 == 0:
            task["description"] = f"Notes for task {index}: " + " ".join(WORDS)
        operations.append({"op": "create", "task": task})
    headers = {"Authorization": f"Bearer {account.token}"}
    _checked(client.post(f"{API}/tasks/batch", json={"operations": operations}, headers=headers), 200)
    page = _checked(client.get(f"{API}/tasks", params={"limit": 100}, headers=headers), 200).json()
    if len(page["items"]) != LIST_TASKS or page["next_cursor"] is not None:
        raise RuntimeError(f"the list account should have exactly {LIST_TASKS} tasks")
