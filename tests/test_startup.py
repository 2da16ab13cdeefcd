"""The generated app factory refuses, at start-up, an implementation that misses part of the contract."""

from __future__ import annotations

import uuid

import pytest

from generated.main import ContractMismatchError, create_app
from generated.models import Task, TaskCreate, TaskPage, TaskReplace, TaskUpdate
from generated.routers.tasks import TasksHandlers
from impl.auth.handlers import AuthImpl
from impl.events.handlers import EventsImpl
from impl.health.handlers import HealthImpl
from impl.lists.handlers import ListsImpl
from impl.reminders.handlers import RemindersImpl
from impl.tags.handlers import TagsImpl
from impl.tasks.handlers import TasksImpl
from impl.users.handlers import UsersImpl


def build(tasks: object) -> None:
    create_app(
        auth=AuthImpl,
        events=EventsImpl,
        health=HealthImpl,
        lists=ListsImpl,
        reminders=RemindersImpl,
        tags=TagsImpl,
        tasks=tasks,  # type: ignore[arg-type]  # wrong classes on purpose
        users=UsersImpl,
    )


def test_the_real_implementation_is_accepted() -> None:
    build(TasksImpl)


def test_a_missing_operation_fails_at_start_up() -> None:
    class Incomplete(TasksHandlers):
        def list_tasks(self, *, limit: int, cursor: str | None) -> TaskPage:  # type: ignore[override]  # on purpose
            raise NotImplementedError

    with pytest.raises(ContractMismatchError, match=r"does not implement .*create_task"):
        build(Incomplete)


def test_a_missing_parameter_fails_at_start_up() -> None:
    class WrongSignature(TasksImpl):
        async def list_tasks(self, *, limit: int) -> TaskPage:  # type: ignore[override]  # on purpose
            raise NotImplementedError

    with pytest.raises(ContractMismatchError, match=r"list_tasks lacks parameter.*cursor"):
        build(WrongSignature)


def test_an_operation_that_is_not_a_coroutine_fails_at_start_up() -> None:
    """A plain `def` would run on a worker thread: a hop per request that the event loop does
    not need, and a thread held while the request waits for the database."""

    class Blocking(TasksImpl):
        def get_task(self, *, task_id: uuid.UUID, if_none_match: str | None) -> Task:  # type: ignore[override]
            raise NotImplementedError

    with pytest.raises(ContractMismatchError, match=r"get_task must be `async def`"):
        build(Blocking)


def test_a_class_that_is_not_the_interface_fails_at_start_up() -> None:
    class Unrelated:
        def create_task(self, *, body: TaskCreate) -> Task:
            raise NotImplementedError

        def get_task(self, *, task_id: uuid.UUID) -> Task:
            raise NotImplementedError

        def replace_task(self, *, task_id: uuid.UUID, body: TaskReplace) -> Task:
            raise NotImplementedError

        def update_task(self, *, task_id: uuid.UUID, body: TaskUpdate) -> Task:
            raise NotImplementedError

    with pytest.raises(ContractMismatchError, match="must be a subclass of TasksHandlers"):
        build(Unrelated)
