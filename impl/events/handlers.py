"""The `events` operations."""

from __future__ import annotations

from fastapi import Request, Response

from generated.models import EventTicket
from generated.routers.events import EventsHandlers
from impl.auth.caller import authenticate, bearer_token
from impl.auth.identity import Caller
from impl.changes import log
from impl.changes.hub import Hub
from impl.db.database import Database
from impl.db.timestamps import utc_now
from impl.events import frames, tickets
from impl.events.stream import HEADERS, EventStream, EventStreamResponse
from impl.http.problems import ProblemError, ServiceUnavailable
from impl.http.request_quota import charge_request
from impl.settings import Settings


class TooManyStreams(ProblemError):
    status, slug, title = 429, "too-many-streams", "Too Many Requests"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"You already have {limit} event streams open on this instance; close one first.",
            headers={"Retry-After": "1"},
        )


class StreamsAtCapacity(ServiceUnavailable):
    slug, title = "too-many-streams", "Service Unavailable"

    def __init__(self) -> None:
        super().__init__("This instance has as many event streams open as it allows; retry shortly.")


class EventsImpl(EventsHandlers):
    def __init__(self, request: Request) -> None:
        state = request.app.state
        self.request = request
        self.database: Database = state.database
        self.settings: Settings = state.settings
        self.hub: Hub = state.event_hub

    @classmethod
    async def from_request(cls, request: Request) -> EventsImpl:
        return cls(request)

    async def create_event_ticket(self) -> EventTicket | Response:
        caller = await self._bearer_caller()
        async with self.database.write() as connection:
            ticket, expires_at = await tickets.issue(connection, caller, now=utc_now())
        return EventTicket(ticket=ticket, expires_at=expires_at)

    async def stream_events(
        self, *, ticket: str | None, last_id: str | None, last_event_id: str | None
    ) -> Response:
        caller = await self._stream_caller(ticket)
        topic = str(caller.user_id)
        if self.hub.count(topic) >= self.settings.events_max_streams_per_user:
            raise TooManyStreams(self.settings.events_max_streams_per_user)
        if self.hub.open >= self.settings.events_max_streams:
            raise StreamsAtCapacity()
        subscription = self.hub.subscribe(topic)
        try:
            async with self.database.read() as connection:
                position = await log.position(connection, caller)
        except BaseException:
            self.hub.unsubscribe(subscription)
            raise
        if self.request.method == "HEAD":
            self.hub.unsubscribe(subscription)
            return Response(status_code=200, headers=HEADERS, media_type="text/event-stream")
        resume = last_event_id if last_event_id is not None else last_id
        cursor, prelude = position.last_seq, b""
        if resume is not None:
            asked = int(resume)
            if asked < position.purged_through or asked > position.last_seq:
                prelude = frames.resync(
                    position.last_seq,
                    "The change log does not reach back to this Last-Event-ID: run a full delta "
                    "sync, then carry on from this event.",
                )
            else:
                cursor = asked
        stream = EventStream(
            database=self.database,
            hub=self.hub,
            caller=caller,
            subscription=subscription,
            cursor=cursor,
            heartbeat=self.settings.events_heartbeat_seconds,
            prelude=prelude,
        )
        return EventStreamResponse(stream)

    async def _bearer_caller(self) -> Caller:
        caller = await authenticate(self.request, bearer_token(self.request))
        self.request.scope["state"]["user_id"] = str(caller.user_id)
        return caller

    async def _stream_caller(self, ticket: str | None) -> Caller:
        """The Authorization header if there is one, else the ticket (spent here)."""
        if bearer_token(self.request) is not None or ticket is None:
            return await self._bearer_caller()
        async with self.database.write() as connection:
            caller = await tickets.redeem(connection, ticket, now=utc_now())
        await charge_request(self.request, caller.user_id)
        self.request.scope["state"]["user_id"] = str(caller.user_id)
        return caller
