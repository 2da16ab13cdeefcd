"""What a new password must not be (NIST SP 800-63B): a common or leaked password, or the
account's own email. The length (8 to 128) is the contract's; there are deliberately no
composition rules, and nothing is truncated (argon2id hashes every character)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from impl.http.problems import ValidationFailed

COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common-passwords.txt"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def check_new_password(password: str, *, email: str | None, pointer: str) -> None:
    """Raise ValidationFailed, saying why, if `password` must not be used."""
    folded = password.strip().casefold()
    if folded in common_passwords():
        raise ValidationFailed(
            [
                {
                    "pointer": pointer,
                    "detail": "This password is in a list of common, leaked passwords that attackers "
                    "try first; choose another (a few unrelated words make a strong one).",
                }
            ],
            detail="The password is too common.",
        )
    if email and folded in {email.strip().casefold(), email.partition("@")[0].strip().casefold()}:
        raise ValidationFailed(
            [{"pointer": pointer, "detail": "The password must not be the account's email."}],
            detail="The password is too easy to guess.",
        )
