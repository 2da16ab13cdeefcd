"""Password hashing: argon2id with OWASP's parameters (19 MiB, 2 iterations, 1 lane)."""

from __future__ import annotations

from functools import lru_cache

from passlib.context import CryptContext

_context = CryptContext(
    schemes=["argon2"],
    argon2__type="ID",
    argon2__memory_cost=19_456,
    argon2__time_cost=2,
    argon2__parallelism=1,
)


def hash_password(password: str) -> str:
    password_hash: str = _context.hash(password)
    return password_hash


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return bool(_context.verify(password, password_hash))
    except ValueError:
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("dummy password for unknown accounts")


def spend_verification_time(password: str) -> None:
    """Cost an unknown email the same as a wrong password, so timing does not reveal accounts."""
    verify_password(password, _dummy_hash())


def warm_up() -> None:
    _dummy_hash()
