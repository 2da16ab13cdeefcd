"""Page latency of GET /api/v1/tasks: the first page against the 1000th, for several sorts,
and for the tasks of one list (newest first, and in the user's order: sort=position).

Keyset pagination seeks the (owner_id, sort key, id) index to the cursor's position, so the
1000th page should cost what the first does; an OFFSET query at the same depth is timed
beside it for contrast. Runs the real app in-process (fastapi TestClient) on a throwaway
database: SQLite by default, PostgreSQL with --database-url postgresql://... (a server URL:
a database is created for the run and dropped after it).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.engine import make_url

from generated.types import TaskSort
from impl.app import create_app
from impl.auth.identity import Caller
from impl.db.engine import build_database, build_engine, normalize_url
from impl.db.ranks import clock_rank
from impl.db.sql import Dialect
from impl.db.sqlite import _bind
from impl.db.tables import TaskRow
from impl.migrate import upgrade
from impl.settings import Settings
from impl.tasks.fields import PRIORITY_RANKS, search_key, title_key
from impl.tasks.ordering import Position, TaskFilters, TaskOrder
from impl.tasks.page_queries import list_page, page_steps

SORTS: list[TaskSort] = ["-created_at", "due_at", "title", "-priority", "position"]
OFFSET_SQL = {
    "-created_at": "created_at DESC, id DESC",
    "due_at": "(due_at IS NULL), due_at, id",
    "title": "title_key, id",
    "-priority": "priority DESC, id DESC",
    "position": "rank, id",
}
# (label, sort, whether the page is one list's tasks: ?list_id=...)
SCENARIOS: list[tuple[str, TaskSort, bool]] = [
    *((sort, sort, False) for sort in SORTS),
    ("list", "-created_at", True),
    ("list,pos", "position", True),
]
WORDS = ["milk", "Report", "call", "Plan", "écrire", "fix", "Buy", "review", "zebra", "apple"]


@contextmanager
def throwaway_database(server_url: str | None) -> Iterator[str]:
    if server_url is None:
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite:///{Path(directory) / 'bench.db'}"
        return
    name = f"tasks_api_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalize_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def seed(engine: Engine, owner_id: uuid.UUID, count: int, list_id: uuid.UUID | None = None) -> None:
    """`count` tasks; with `list_id`, all but every tenth in that list (the rest in the inbox)."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for index in range(count):
        title = f"{random.choice(WORDS)} {random.choice(WORDS)} {index}"
        moment = start + timedelta(seconds=index)
        task_id = uuid.uuid4()
        rows.append(
            {
                "id": task_id,
                "list_id": list_id if index % 10 else None,
                "rank": clock_rank(moment, task_id),
                "owner_id": owner_id,
                "title": title,
                "title_key": title_key(title),
                "search_key": search_key(title, None),
                "completed": False,
                "priority": random.randint(0, 3),
                "due_at": None if random.random() < 0.3 else start + timedelta(hours=random.randint(0, 5000)),
                "version": 1,
                "created_at": moment,
                "updated_at": moment,
            }
        )
    with engine.begin() as connection:
        for chunk in range(0, len(rows), 5000):
            connection.execute(insert(TaskRow), rows[chunk : chunk + 5000])


def median_ms(call: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def keyset_timings(  # noqa: PLR0917
    client: TestClient,
    engine: Engine,
    owner: uuid.UUID,
    sort: str,
    in_list: bool,
    options: argparse.Namespace,
) -> list[float]:
    """Median latency of the first page and of page `options.page` (reached by its cursor):
    over HTTP, then of the keyset query alone."""
    headers = options.headers
    params = {"limit": options.limit, "sort": sort, **_list_param(in_list, options)}
    deep = dict(params)
    for _ in range(options.page - 1):
        deep["cursor"] = client.get("/api/v1/tasks", params=deep, headers=headers).json()["next_cursor"]
    assert deep["cursor"] is not None
    order = TaskOrder.parse(sort)
    position = deep_position(client, headers, sort, in_list, options)
    timings = [
        median_ms(partial(client.get, "/api/v1/tasks", params=query, headers=headers), options.repeat)
        for query in (params, deep)
    ]
    filters = _filters(in_list, options)
    timings += asyncio.run(_query_timings(options.url, owner, order, position, filters, options))
    return timings


def _list_param(in_list: bool, options: argparse.Namespace) -> dict[str, str]:
    return {"list_id": str(options.list_id)} if in_list else {}


def _filters(in_list: bool, options: argparse.Namespace) -> TaskFilters:
    return TaskFilters(list_id=str(options.list_id)) if in_list else TaskFilters()


async def _query_timings(  # noqa: PLR0917
    url: str,
    owner: uuid.UUID,
    order: TaskOrder,
    position: Position,
    filters: TaskFilters,
    options: argparse.Namespace,
) -> list[float]:
    """The keyset statements alone, first page and deep page, on one pooled connection."""
    database = build_database(Settings(environment="test", database_url=url, jwt_secret="b" * 48))
    await database.open()
    caller = Caller(user_id=owner)
    timings = []
    try:
        for after in (None, position):
            samples = []
            for _ in range(options.repeat):
                started = time.perf_counter()
                async with database.read() as connection:
                    await list_page(
                        connection,
                        caller,
                        filters=filters,
                        order=order,
                        after=after,
                        limit=options.limit + 1,
                        now=datetime.now(UTC),
                    )
                samples.append((time.perf_counter() - started) * 1000)
            timings.append(statistics.median(samples))
    finally:
        await database.close()
    return timings


def deep_position(
    client: TestClient, headers: dict[str, str], sort: str, in_list: bool, options: argparse.Namespace
) -> Position:
    """Where page `options.page` of this sort starts: after the last task of the page before."""
    params: dict[str, str | int] = {"limit": options.limit, "sort": sort, **_list_param(in_list, options)}
    last: dict[str, object] = {}
    for _ in range(options.page - 1):
        page = client.get("/api/v1/tasks", params=params, headers=headers).json()
        params["cursor"], last = page["next_cursor"], page["items"][-1]
    order = TaskOrder.parse(sort)
    value = {
        "title": str(last["title"]).casefold(),
        "priority": PRIORITY_RANKS[str(last["priority"])],
        "position": last["position"],
    }.get(order.field, last.get(order.field))
    return Position(order.from_json(value), uuid.UUID(str(last["id"])))


def offset_timings(
    engine: Engine, owner: uuid.UUID, sort: str, in_list: bool, options: argparse.Namespace
) -> list[float]:
    """The same pages by LIMIT/OFFSET in SQL, for contrast: the database reads every skipped row."""
    in_the_list = "AND list_id = :list " if in_list else ""
    sql = text(
        f"SELECT * FROM tasks WHERE owner_id = :owner AND deleted_at IS NULL {in_the_list}"
        f"ORDER BY {OFFSET_SQL[sort]} LIMIT :limit OFFSET :offset"
    )
    sqlite = engine.dialect.name == "sqlite"
    owner_value = owner.hex if sqlite else owner
    list_value = options.list_id.hex if sqlite else options.list_id
    timings = []
    with engine.connect() as connection:
        for offset in (0, options.limit * (options.page - 1)):
            bound = {"owner": owner_value, "limit": options.limit + 1, "offset": offset}
            if in_list:
                bound["list"] = list_value
            timings.append(
                median_ms(
                    partial(lambda query, values: connection.execute(query, values).all(), sql, bound),
                    options.repeat,
                )
            )
    return timings


def deep_page_plans(
    client: TestClient,
    engine: Engine,
    *,
    owner: uuid.UUID,
    sort: str,
    in_list: bool,
    options: argparse.Namespace,
) -> list[str]:
    """The database's plan for each statement that selects tasks for the deep page."""
    dialect: Dialect = "sqlite" if engine.dialect.name == "sqlite" else "postgresql"
    steps = page_steps(
        dialect,
        Caller(user_id=owner),
        filters=_filters(in_list, options),
        order=TaskOrder.parse(sort),
        after=deep_position(client, options.headers, sort, in_list, options),
        limit=options.limit + 1,
        now=datetime.now(UTC),
    )
    explain = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
    plans = []
    with engine.connect() as connection:
        for step in steps:
            params = _bind(step.params) if dialect == "sqlite" else dict(step.params or {})
            rows = connection.exec_driver_sql(explain + step.query.text(dialect), params).all()
            plans.append(" | ".join(str(row[-1]).strip() for row in rows))
    return plans


def register(client: TestClient, email: str) -> tuple[uuid.UUID, dict[str, str]]:
    password = "benchmark password"  # noqa: S105  (a throwaway database)
    user_id = uuid.UUID(
        client.post("/api/v1/auth/register", json={"email": email, "password": password}).json()["id"]
    )
    token = client.post("/api/v1/auth/token", data={"username": email, "password": password}).json()[
        "access_token"
    ]
    return user_id, {"Authorization": f"Bearer {token}"}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="a PostgreSQL server URL; default: a SQLite file")
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--page", type=int, default=1000, help="the deep page to time")
    parser.add_argument("--other-users", type=int, default=3, help="users whose tasks share the tables")
    parser.add_argument("--repeat", type=int, default=30)
    options = parser.parse_args()
    random.seed(7)
    tasks = options.limit * options.page + options.limit
    with throwaway_database(options.database_url) as url:
        upgrade(url)
        engine = build_engine(url)
        options.url = url
        # The per-user quota (600 a minute) would stop the walk to page 1,000 at page 600.
        settings = Settings(
            environment="test",
            database_url=url,
            jwt_secret="bench-secret-" + "b" * 40,
            rate_limit_enabled=False,
        )
        with TestClient(create_app(settings)) as client:
            owner, headers = register(client, "bench@example.com")
            options.headers = headers
            created = client.post("/api/v1/lists", json={"name": "Bench"}, headers=headers)
            options.list_id = uuid.UUID(created.json()["id"])
            started = time.perf_counter()
            # A tenth of the user's tasks are in the inbox: the list alone still has `page` pages.
            owned = tasks * 10 // 9 + 10
            seed(engine, owner, owned, options.list_id)
            for index in range(options.other_users):
                seed(engine, register(client, f"other{index}@example.com")[0], tasks)
            if engine.dialect.name == "postgresql":
                with engine.begin() as connection:
                    connection.execute(text("ANALYZE"))
            seconds = time.perf_counter() - started
            total = owned + tasks * options.other_users
            print(
                f"{engine.dialect.name}: {total} tasks, {owned} of them the user's (9 in 10 in one list);"
                f" seeded in {seconds:.1f} s"
            )
            print(
                f"limit={options.limit}; median of {options.repeat} runs, in ms; OFFSET: that page by OFFSET"
            )
            columns = ["page 1", f"page {options.page}"] * 3
            print(
                f"{'':<12}"
                + "".join(f"{title:^22}" for title in ("HTTP request", "keyset query", "OFFSET query"))
            )
            print(f"{'sort':<12}" + "".join(f"{column:>11}" for column in columns))
            for label, sort, in_list in SCENARIOS:
                timings = keyset_timings(client, engine, owner, sort, in_list, options)
                timings += offset_timings(engine, owner, sort, in_list, options)
                print(f"{label:<12}" + "".join(f"{ms:>11.2f}" for ms in timings))
            print(f"\nPlans of the statements that read page {options.page}:")
            for label, sort, in_list in SCENARIOS:
                plans = deep_page_plans(
                    client, engine, owner=owner, sort=sort, in_list=in_list, options=options
                )
                for plan in plans:
                    print(f"{label:<12} {plan}")
        engine.dispose()


if __name__ == "__main__":
    main()
