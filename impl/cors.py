"""CORS limited to the configured origins; a refused preflight is a problem document too."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from .errors import PROBLEM_MEDIA_TYPE, problem_body


class ProblemCORSMiddleware(CORSMiddleware):
    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        body = problem_body(
            status=response.status_code,
            slug="cors-rejected",
            title="CORS request refused",
            detail=bytes(response.body).decode(errors="replace"),
            instance="",
        )
        headers = {
            k: v for k, v in response.headers.items() if k.lower() not in {"content-type", "content-length"}
        }
        return Response(body, response.status_code, headers=headers, media_type=PROBLEM_MEDIA_TYPE)
