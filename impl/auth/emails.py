"""Email addresses as the contract defines them (`format: email`).

Emails here identify accounts; the service sends no mail. email-validator (behind pydantic's
EmailStr) also refuses syntactically valid addresses at special-use domains such as
`.test`, `.local` or `.invalid`, which `format: email` accepts: a client validating with the
contract would send them and get a 422 it could not predict. Its documented
SPECIAL_USE_DOMAIN_NAMES list is emptied so the server accepts what the contract accepts.
"""

from __future__ import annotations

import email_validator


def accept_special_use_domains() -> None:
    email_validator.SPECIAL_USE_DOMAIN_NAMES.clear()
