"""A fake clock for the code that waits on time (rate-limit windows, the JWKS cache), so that
tests move time forward instead of sleeping through it."""

from __future__ import annotations

import time

import pytest

# The modules whose `time.time()` / `time.monotonic()` the fake clock answers.
CLOCKED_MODULES = ("impl.http.rate_limits", "impl.auth.jwks", "limits.aio.storage.memory")


class FakeClock:
    """Stands in for the `time` module of CLOCKED_MODULES: it starts at the real time and
    only moves when told to."""

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    for module in CLOCKED_MODULES:
        monkeypatch.setattr(f"{module}.time", fake)
    return fake
