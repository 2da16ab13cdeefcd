"""POST /api/v1/auth/token answers a failed grant as OAuth2 clients expect (RFC 6749 §5.2):
400 with `error` and `error_description`, instead of a problem document. Swagger UI's
Authorize dialog, OAuth2 libraries and Postman read these; everything else the endpoint
answers (406, 413, 415, 429, 5xx) stays problem+json, as everywhere else.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.responses import Response

from impl.http.problems import ProblemError, validation_errors

TOKEN_OPERATION = "issueToken"  # noqa: S105  (an operationId, not a secret)
# RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E.
NOT_ALLOWED = re.compile(r"[^\x20-\x21\x23-\x5B\x5D-\x7E]")
MAX_DESCRIPTION = 1000

Handler = Callable[[Request, Any], Response | Awaitable[Response]]


class OAuth2Error(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


class InvalidGrant(OAuth2Error):
    def __init__(self) -> None:
        # The same answer for an unknown email and a wrong password.
        super().__init__("invalid_grant", "The email or password is incorrect.")


def is_token_request(request: Request) -> bool:
    route = request.scope.get("route")
    return isinstance(route, APIRoute) and route.operation_id == TOKEN_OPERATION


def oauth2_error_response(error: OAuth2Error) -> Response:
    description = NOT_ALLOWED.sub("'", error.description.replace("\\", "/"))[:MAX_DESCRIPTION]
    body = json.dumps({"error": error.error, "error_description": description}, separators=(",", ":"))
    return Response(
        body,
        400,
        media_type="application/json",
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


def invalid_request(details: list[dict[str, str]]) -> OAuth2Error:
    if any(error["pointer"] == "/body/grant_type" for error in details):
        return OAuth2Error(
            "unsupported_grant_type", "Only the password grant is supported: send grant_type=password."
        )
    return OAuth2Error("invalid_request", " ".join(error["detail"] for error in details))


async def _answer(handler: Handler, request: Request, exc: Exception) -> Response:
    response = handler(request, exc)
    return await response if inspect.isawaitable(response) else response


def install_oauth2_error_handlers(app: FastAPI) -> None:
    """After install_problem_handlers: the token endpoint's validation failures become
    invalid_request (or unsupported_grant_type); every other request keeps its problem."""
    on_validation_error: Handler = app.exception_handlers[RequestValidationError]
    on_problem: Handler = app.exception_handlers[ProblemError]

    async def validation_error(request: Request, exc: Exception) -> Response:
        if is_token_request(request):
            assert isinstance(exc, RequestValidationError)
            return oauth2_error_response(invalid_request(validation_errors(exc.errors(), exc.body)))
        return await _answer(on_validation_error, request, exc)

    async def problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ProblemError)
        if exc.status == 422 and exc.errors and is_token_request(request):
            return oauth2_error_response(invalid_request([dict(error) for error in exc.errors]))
        return await _answer(on_problem, request, exc)

    async def oauth2_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, OAuth2Error)
        return oauth2_error_response(exc)

    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(ProblemError, problem)
    app.add_exception_handler(OAuth2Error, oauth2_error)
