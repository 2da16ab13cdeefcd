"""Item 5: a refresh token replayed after rotation is a 401 and revokes its whole family;
logout revokes the family too."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from impl.db.tables import RefreshTokenRow
from tests.conftest import Account, assert_problem, login

REFRESH = "/api/v1/auth/refresh"


def refresh(client: TestClient, token: str) -> object:
    return client.post(REFRESH, json={"refresh_token": token})


def test_a_replayed_refresh_token_revokes_its_family(client: TestClient, alice: Account, db: Session) -> None:
    first = refresh(client, alice.refresh_token)
    assert first.status_code == 200  # type: ignore[attr-defined]
    descendant = first.json()["refresh_token"]  # type: ignore[attr-defined]
    other_device = login(client, alice.email, alice.password)

    body = assert_problem(refresh(client, alice.refresh_token), 401)  # the thief, or the victim
    assert body["type"] == "urn:tasks-api:problem:invalid-refresh-token"
    # Whoever holds the descendant is cut off too: the family is revoked...
    assert_problem(refresh(client, descendant), 401)
    # ...but not the other login.
    assert refresh(client, other_device["refresh_token"]).status_code == 200  # type: ignore[attr-defined]
    revoked = [row for row in db.exec(select(RefreshTokenRow)) if row.revoked_at is not None]
    assert len(revoked) == 2


def test_logout_revokes_the_family(client: TestClient, alice: Account) -> None:
    rotated = refresh(client, alice.refresh_token).json()  # type: ignore[attr-defined]
    out = client.post(
        REFRESH.replace("refresh", "logout"),
        json={"refresh_token": rotated["refresh_token"]},
        headers=alice.headers,
    )
    assert out.status_code == 204
    assert_problem(refresh(client, rotated["refresh_token"]), 401)
    assert_problem(refresh(client, alice.refresh_token), 401)


def test_logout_cannot_revoke_another_users_tokens(client: TestClient, alice: Account, bob: Account) -> None:
    out = client.post("/api/v1/auth/logout", json={"refresh_token": bob.refresh_token}, headers=alice.headers)
    assert out.status_code == 204
    assert refresh(client, bob.refresh_token).status_code == 200  # type: ignore[attr-defined]


def test_an_unknown_or_malformed_refresh_token_is_refused(client: TestClient) -> None:
    assert_problem(refresh(client, "A" * 43), 401)
    assert_problem(refresh(client, "' OR 1=1 --"), 422)
    assert_problem(refresh(client, "x" * 10_000), 422)
