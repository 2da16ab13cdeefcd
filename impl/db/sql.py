"""SQL statements written once, with `:name` parameters, and rendered for each database.

psycopg takes `%(name)s` placeholders and sqlite3 takes `:name`; a `Query` holds both
renderings, made once when the statement is defined (or cached, for statements built per
request from a handful of shapes). Where the databases need different SQL (arrays, JSON
aggregation, row locks), a `Query` takes a text per dialect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

Dialect = Literal["postgresql", "sqlite"]
Params = dict[str, Any]

# `:name`, but not the `::type` casts of PostgreSQL.
_PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def _pyformat(text: str) -> str:
    return _PARAMETER.sub(r"%(\1)s", text.replace("%", "%%"))


@dataclass(frozen=True, slots=True)
class Query:
    postgresql: str
    sqlite: str

    @classmethod
    def of(cls, text: str, *, postgresql: str | None = None, sqlite: str | None = None) -> Query:
        return cls(postgresql=_pyformat(postgresql or text), sqlite=sqlite or text)

    def text(self, dialect: Dialect) -> str:
        return self.postgresql if dialect == "postgresql" else self.sqlite


@lru_cache(maxsize=1024)
def cached(text: str) -> Query:
    """A Query for SQL assembled per request (filters and seeks): a few hundred shapes at most."""
    return Query.of(text)


@dataclass(frozen=True, slots=True)
class Step:
    """One statement of a batch: with `params`, or run once per item of `many`."""

    query: Query
    params: Params | None = None
    many: list[Params] | None = None


@dataclass(frozen=True, slots=True)
class StepResult:
    rows: list[tuple[Any, ...]]
    rowcount: int
