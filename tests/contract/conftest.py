"""Prints how many requests schemathesis sent in-process, by operation and status."""

from __future__ import annotations

from collections import defaultdict

import pytest

from tests.contract.requests_sent import SENT


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not SENT:
        return
    by_operation: dict[str, dict[int, int]] = defaultdict(dict)
    for (method, path, status), count in sorted(SENT.items()):
        by_operation[f"{method} {path}"][status] = count
    terminalreporter.section(f"schemathesis: {sum(SENT.values())} requests in-process")
    for operation, statuses in by_operation.items():
        shown = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
        terminalreporter.write_line(f"{operation:45} {shown}")
