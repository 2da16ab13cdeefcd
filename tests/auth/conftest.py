"""The auth tests are about registering and logging in: their accounts go through the API."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.accounts import LoggedIn


@pytest.fixture
def alice(log_in: Callable[[str], LoggedIn]) -> LoggedIn:
    return log_in("alice@example.com")


@pytest.fixture
def bob(log_in: Callable[[str], LoggedIn]) -> LoggedIn:
    return log_in("bob@example.com")
