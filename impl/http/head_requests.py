"""HEAD (RFC 9110 §9.3.2): the same status and headers as GET, no body.

The contract declares HEAD on every path with a GET, and the generated routes answer it
through the GET's handler; this middleware drops the body of every HEAD response (TestClient
and other ASGI servers do not), and answers HEAD as GET for the routes outside the contract
(/docs, /redoc, their assets), which FastAPI declares with GET only.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadRequestsMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        allowed_methods: Callable[[str], list[str]],
        routes_head: Callable[[str], bool],
    ) -> None:
        self.app = app
        self.allowed_methods = allowed_methods
        self.routes_head = routes_head

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        path = scope["path"]
        forwarded = scope
        if not self.routes_head(path) and "GET" in self.allowed_methods(path):
            forwarded = {**scope, "method": "GET"}
        await self.app(forwarded, receive, send_headers_only)
        if forwarded is not scope and "route" in forwarded:  # the access log reports the route template
            scope["route"] = forwarded["route"]
