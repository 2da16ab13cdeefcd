"""Pure ASGI middleware: request ids, security headers, the last-resort 500, body limits."""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from impl.http.problems import PROBLEM_MEDIA_TYPE, problem_body

logger = logging.getLogger("tasks_api.requests")

REQUEST_ID_HEADER = "x-request-id"
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
JSON_MEDIA = re.compile(r"^application/([a-z0-9.+-]+\+)?json$")


async def send_problem(
    send: Send,
    scope: Scope,
    *,
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    scope.setdefault("state", {})["problem"] = slug  # for the access log and the metrics
    body = problem_body(
        status=status,
        slug=slug,
        title=title,
        detail=detail,
        instance=scope.get("path", "/"),
        request_id=scope.get("state", {}).get("request_id"),
        errors=errors,
    )
    sent_headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        *(headers or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": sent_headers})
    await send({"type": "http.response.body", "body": body})


def assign_request_id(scope: Scope) -> str:
    """The request's id, kept in its state: the client's X-Request-ID if it is safe to echo
    and to log, else a new one. The same id on every call for one request."""
    state = scope.setdefault("state", {})
    request_id: str | None = state.get("request_id")
    if request_id is None:
        incoming = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = incoming if SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        state["request_id"] = request_id
    return request_id


class RequestContextMiddleware:
    """Outermost layer: tags every request with an id, adds security headers, and turns any
    unhandled exception into a generic problem (details go to the log, never to the client)."""

    def __init__(self, app: ASGIApp, *, hsts_seconds: int = 0, docs_paths: Iterable[str] = ()) -> None:
        self.app = app
        self.hsts = f"max-age={hsts_seconds}; includeSubDomains" if hsts_seconds else None
        self.docs_paths = tuple(docs_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = assign_request_id(scope)
        path: str = scope["path"]
        is_docs = path.startswith(self.docs_paths) if self.docs_paths else False
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                headers["X-Frame-Options"] = "DENY"
                headers["Content-Security-Policy"] = DOCS_CSP if is_docs else API_CSP
                if "cache-control" not in headers and not is_docs:
                    headers["Cache-Control"] = "no-store"
                if self.hsts:
                    headers["Strict-Transport-Security"] = self.hsts
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            logger.exception("unhandled error in %s %s [request_id=%s]", scope["method"], path, request_id)
            if started:
                raise
            await send_problem(
                send_with_headers,
                scope,
                status=500,
                slug="internal-error",
                title="Internal Server Error",
                detail="An unexpected error occurred.",
            )


class BodyGuardMiddleware:
    """Refuses bodies over the limit with 413 before anything parses them, and JSON bodies that
    are not UTF-8 or not JSON (or nested beyond what a parser can take) with 422."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            await self._too_large(scope, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await self._too_large(scope, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        media_type = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
        if body and JSON_MEDIA.match(media_type):
            problem = _json_problem(body)
            if problem:
                await send_problem(
                    send,
                    scope,
                    status=422,
                    slug="validation-error",
                    title="Validation failed",
                    detail="The request body is not valid JSON.",
                    errors=[{"pointer": "/body", "detail": problem}],
                )
                return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, send: Send) -> None:
        await send_problem(
            send,
            scope,
            status=413,
            slug="payload-too-large",
            title="Payload Too Large",
            detail=f"The request body exceeds {self.max_body_bytes} bytes.",
        )


def _json_problem(body: bytes) -> str | None:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"The body is not valid UTF-8 (byte {error.start})."
    try:
        document = json.loads(text)
    except RecursionError:
        return "The JSON is nested too deeply."
    except ValueError as error:
        return f"Invalid JSON: {getattr(error, 'msg', 'cannot be parsed')}."
    try:
        # JSON may escape lone surrogates (\ud800), which are no characters: no database can
        # store them, so they are refused here rather than failing deep inside a query.
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return (
            "The JSON contains an unpaired surrogate escape (\\uD800 to \\uDFFF), which is not a character."
        )
    except RecursionError:
        return "The JSON is nested too deeply."
    return None
