"""CORS for the listed origins only: Starlette's middleware, minus the credentials and exposed
headers it would also send to an origin that is not listed (or to Origin: null); a refused
preflight is a problem document like every other error."""

from __future__ import annotations

from contextvars import ContextVar

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from impl.http.problems import PROBLEM_MEDIA_TYPE, problem_body

CORS_RESPONSE_HEADERS = (
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-expose-headers",
)


def _strip_cors(headers: MutableHeaders) -> None:
    for name in CORS_RESPONSE_HEADERS:
        if name in headers:
            del headers[name]


# The request a refused preflight answers: its path and request id go into the problem.
_preflight_scope: ContextVar[Scope | None] = ContextVar("preflight_scope", default=None)


class ListedOriginsCORSMiddleware(CORSMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = _preflight_scope.set(scope)
        try:
            await super().__call__(scope, receive, send)
        finally:
            _preflight_scope.reset(token)

    async def send(self, message: Message, send: Send, request_headers: Headers) -> None:
        origin = request_headers.get("origin")
        if origin is None or self.is_allowed_origin(origin=origin):
            await super().send(message, send, request_headers)
            return

        async def send_without_cors(outgoing: Message) -> None:
            if outgoing["type"] == "http.response.start":
                _strip_cors(MutableHeaders(scope=outgoing))
            await send(outgoing)

        await super().send(message, send_without_cors, request_headers)

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if not self.is_allowed_origin(origin=request_headers["origin"]):
            _strip_cors(response.headers)
        if response.status_code < 400:
            return response
        scope = _preflight_scope.get() or {}
        body = problem_body(
            status=response.status_code,
            slug="cors-rejected",
            title="CORS request refused",
            detail=bytes(response.body).decode(errors="replace"),
            instance=scope.get("path", "/"),
            request_id=scope.get("state", {}).get("request_id"),
        )
        headers = {
            k: v for k, v in response.headers.items() if k.lower() not in {"content-type", "content-length"}
        }
        return Response(body, response.status_code, headers=headers, media_type=PROBLEM_MEDIA_TYPE)
