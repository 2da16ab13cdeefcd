"""Test accounts. Most tests need a user and an access token, not a login: `seed_account`
writes the user row and a login session directly (the argon2id hash of PASSWORD is computed
once per run) and mints the token with the app's own TokenService. Tests about registration
and login, and those that need a refresh token, go through the API: `register`, `login`."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from functools import lru_cache

from fastapi.testclient import TestClient
from sqlmodel import Session

from impl.auth.passwords import hash_password
from impl.auth.tokens import TokenService
from impl.auth.user_repository import email_key
from impl.db.tables import LoginSessionRow, UserRow

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    user_id: str
    access_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    @property
    def session_id(self) -> str:
        """The login session (`sid`) of this account's access token."""
        payload = self.access_token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return str(claims["sid"])


@dataclass(frozen=True)
class LoggedIn(Account):
    """An account that logged in over HTTP: it also holds that login's refresh token."""

    refresh_token: str


@lru_cache(maxsize=1)
def password_hash() -> str:
    return hash_password(PASSWORD)


def seed_account(session: Session, tokens: TokenService, email: str) -> Account:
    user = UserRow(email=email, email_key=email_key(email), password_hash=password_hash())
    session.add(user)
    session.flush()
    login_session = LoginSessionRow(user_id=user.id)
    session.add(login_session)
    session.commit()
    token = tokens.issue_access_token(
        user_id=user.id, token_version=user.token_version, session_id=login_session.id
    )
    return Account(email, PASSWORD, str(user.id), token)


def register(client: TestClient, email: str, password: str = PASSWORD) -> LoggedIn:
    response = client.post("/api/v1/auth/register", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    user_id = response.json()["id"]
    tokens = login(client, email, password)
    return LoggedIn(email, password, user_id, tokens["access_token"], tokens["refresh_token"])


def login(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens
