"""HEAD is answered wherever the contract has a GET (RFC 9110 §9.3.2: the same status and
headers as GET, no body). FastAPI routes declared with GET answer HEAD with 405 otherwise."""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGetMiddleware:
    def __init__(self, app: ASGIApp, *, allowed_methods: Callable[[str], list[str]]) -> None:
        self.app = app
        self.allowed_methods = allowed_methods

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "HEAD"
            or "GET" not in self.allowed_methods(scope["path"])
        ):
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        as_get = {**scope, "method": "GET"}
        await self.app(as_get, receive, send_headers_only)
        if "route" in as_get:  # the access log reports the route template
            scope["route"] = as_get["route"]
