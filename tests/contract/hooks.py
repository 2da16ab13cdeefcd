"""schemathesis hooks shared by the in-process tests and the live run (schemathesis.toml).

A page cursor is opaque and signed by the server: a string that merely matches the
parameter's pattern is not a cursor the server issued, and the server rightly answers 422
for it. JSON Schema cannot say "issued by the server", so positive cases keep a cursor only
when it has the shape of an issued one (the stateful phase follows the `next_cursor` link
with real ones); negative cases keep theirs, so malformed cursors are still sent.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import schemathesis
from schemathesis import GenerationMode


def looks_issued(cursor: object) -> bool:
    if not isinstance(cursor, str) or cursor.count(".") != 1:
        return False
    payload = cursor.partition(".")[0]
    try:
        keyset = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, binascii.Error):
        return False
    return isinstance(keyset, list) and len(keyset) == 2


def keep_only_issued_cursors(
    context: schemathesis.HookContext, case: schemathesis.Case[Any]
) -> schemathesis.Case[Any]:
    positive = case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE
    if positive and isinstance(case.query, dict) and not looks_issued(case.query.get("cursor")):
        case.query.pop("cursor", None)
    return case


map_case: Any = schemathesis.hook("map_case")
map_case.apply_to(operation_id="listTasks")(keep_only_issued_cursors)
