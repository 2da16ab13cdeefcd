"""Reading a text/event-stream response with httpx, frame by frame (WHATWG HTML's parsing
rules, as far as the tests need them)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx


@dataclass
class Frame:
    id: str | None = None
    event: str | None = None
    data: list[str] = field(default_factory=list)
    retry: int | None = None
    comments: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.data)


class FrameReader:
    def __init__(self, response: httpx.Response) -> None:
        self._lines: Iterator[str] = response.iter_lines()

    def next(self) -> Frame | None:
        """The next frame (up to a blank line), or None once the server ended the stream."""
        frame = Frame()
        seen = False
        for line in self._lines:
            if line == "":
                if seen:
                    return frame
                continue
            seen = True
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "":
                frame.comments.append(value)
            elif name == "id":
                frame.id = value
            elif name == "event":
                frame.event = value
            elif name == "data":
                frame.data.append(value)
            elif name == "retry":
                frame.retry = int(value)
        return frame if seen else None

    def next_event(self) -> Frame:
        """The next frame that is an event (comments and retry hints skipped)."""
        while True:
            frame = self.next()
            assert frame is not None, "the stream ended"
            if frame.event is not None:
                return frame

    def rest(self) -> list[Frame]:
        """Every frame until the server ends the stream."""
        frames = []
        while (frame := self.next()) is not None:
            frames.append(frame)
        return frames
