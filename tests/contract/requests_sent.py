"""Counts the requests schemathesis sends in-process, for the summary at the end of the run."""

from __future__ import annotations

from collections import Counter
from typing import Any

import schemathesis

SENT: Counter[tuple[str, str, int]] = Counter()


@schemathesis.hook
def after_call(
    context: schemathesis.HookContext, case: schemathesis.Case[Any], response: schemathesis.Response
) -> None:
    SENT[(case.method.upper(), case.operation.path, response.status_code)] += 1
