"""Logging an operator can use: LOG_FORMAT=json writes one JSON object per line (timestamp,
level, logger, message, request_id and the record's extra fields; a traceback stays inside
its line), LOG_FORMAT=text one readable line. Every line logged while a request is served
carries its request id, taken from a context variable that the access-log middleware sets."""

from __future__ import annotations

import logging
import re
import sys
from contextvars import ContextVar
from typing import Any, Literal

import orjson
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# uvicorn configures these itself unless told not to; ours replace its handlers and its
# access log (impl/http/access_log.py writes one line per request instead).
SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")
# uvicorn adds an ANSI-coloured copy of some messages; Alembic announces its plugins at INFO.
NOT_LOGGED_FIELDS = ("color_message",)
QUIET_LOGGERS = ("alembic.runtime.plugins",)


# PostgreSQL puts the offending row or key in DETAIL ("Failing row contains (..., email,
# password hash)"); SQLAlchemy puts parameters in "[parameters: ...]" (hidden by the engines'
# hide_parameters=True, redacted here too in case an engine is built without it).
SENSITIVE_LINES = re.compile(r"^\s*(DETAIL|CONTEXT|HINT):.*$|\[parameters: .*?\]", re.MULTILINE)


def redact(text: str) -> str:
    return SENSITIVE_LINES.sub("[redacted]", text)


class RedactingJsonFormatter(JsonFormatter):
    def formatException(self, ei: Any) -> str | list[str]:  # type: ignore[override]  # noqa: N802
        formatted = super().formatException(ei)
        return redact(formatted) if isinstance(formatted, str) else [redact(line) for line in formatted]


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            request_id = REQUEST_ID.get()
            if request_id is not None:
                record.request_id = request_id
        return True


class TextFormatter(logging.Formatter):
    def formatException(self, ei: Any) -> str:  # noqa: N802  (logging's name)
        return redact(super().formatException(ei))

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        if request_id and request_id not in record.getMessage():
            line = f"{line} [request_id={request_id}]"
        return line


def dumps(document: Any, **_: Any) -> str:
    """python-json-logger's serializer, by orjson: a third of the cost of an access line."""
    return orjson.dumps(document, default=str).decode()


def build_handler(log_format: Literal["json", "text"]) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    if log_format == "json":
        handler.setFormatter(
            RedactingJsonFormatter(
                "{levelname}{name}{message}",
                style="{",
                rename_fields={"levelname": "level", "name": "logger"},
                timestamp=True,
                json_serializer=dumps,
                reserved_attrs=[*RESERVED_ATTRS, *NOT_LOGGED_FIELDS],
            )
        )
    else:
        handler.setFormatter(TextFormatter(TEXT_FORMAT))
    return handler


def configure_logging(level: str, log_format: Literal["json", "text"]) -> None:
    """Route every logger (ours, uvicorn's, SQLAlchemy's, Alembic's) to one handler."""
    # What no line shows need not be gathered for every record (the logging HOWTO's
    # "Optimization" section): the caller's file and line, thread and process names.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    root = logging.getLogger()
    for existing in root.handlers[:]:
        root.removeHandler(existing)
    root.addHandler(build_handler(log_format))
    root.setLevel(level.upper())
    for name in SERVER_LOGGERS:
        server_logger = logging.getLogger(name)
        server_logger.handlers.clear()
        server_logger.propagate = True
        server_logger.setLevel(logging.NOTSET)
    logging.getLogger("uvicorn.access").disabled = True
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
