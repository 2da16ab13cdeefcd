"""Expected failures that repeat (the database is down, Redis hangs) are logged as one line
per kind and window, with a count of the rest when the window ends: an outage under load
must not flood the log with one line (let alone a traceback) per request."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

WINDOW_SECONDS = 10.0


@dataclass
class _Window:
    started: float
    suppressed: int = 0


class RepeatedFailures:
    def __init__(self, logger: logging.Logger, *, window_seconds: float = WINDOW_SECONDS) -> None:
        self.logger = logger
        self.window_seconds = window_seconds
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()

    def report(self, kind: str, message: str, *args: object) -> None:
        """Log `message` if it is the first failure of `kind` in this window; else count it."""
        now = time.monotonic()
        with self._lock:
            window = self._windows.get(kind)
            if window is not None and now - window.started < self.window_seconds:
                window.suppressed += 1
                return
            self._windows[kind] = _Window(now)
        self.logger.warning(message, *args, extra={"problem": kind})
        timer = threading.Timer(self.window_seconds, self._close, args=(kind,))
        timer.daemon = True
        timer.start()

    def _close(self, kind: str) -> None:
        with self._lock:
            window = self._windows.pop(kind, None)
        if window is not None and window.suppressed:
            self.logger.warning(
                "%d more %s failure(s) in the last %.0f s, not logged one by one",
                window.suppressed,
                kind,
                self.window_seconds,
                extra={"problem": kind, "repeats": window.suppressed},
            )
