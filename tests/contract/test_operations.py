"""Every operation, positive and negative data, every check, on every backend."""

from __future__ import annotations

from typing import Any

import schemathesis

from tests.contract.schemas import contract_schema
from tests.databases import BACKENDS

sqlite = contract_schema("sqlite")


@sqlite.parametrize()
def test_operation_on_sqlite(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate()


if "postgresql" in BACKENDS:
    postgresql = contract_schema("postgresql")

    @postgresql.parametrize()
    def test_operation_on_postgresql(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate()
