"""An incremental Server-Sent Events parser (the WHATWG event-stream format).

Fed text as it arrives (``feed``), it returns the events that chunk completed. Comments (keep-alive
lines) are skipped; ``retry`` is remembered for reconnects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class Event:
    event: str
    data: str
    id: str = ""


class SSEParser:
    def __init__(self) -> None:
        self._buffer = ""
        self._skip_lf = False
        self._event = ""
        self._data: list[str] = []
        self.last_event_id = ""
        self.retry_ms: int | None = None

    def feed(self, chunk: str) -> list[Event]:
        if self._skip_lf and chunk.startswith("\n"):
            chunk = chunk[1:]  # the second half of a "\r\n" split across chunks
        self._skip_lf = False
        self._buffer += chunk
        events: list[Event] = []
        start = 0
        while True:
            match = _LINE_END.search(self._buffer, start)
            if match is None:
                break
            event = self._line(self._buffer[start : match.start()])
            start = match.end()
            if match.group() == "\r" and start == len(self._buffer):
                self._skip_lf = True
            if event is not None:
                events.append(event)
        self._buffer = self._buffer[start:]
        return events

    def _line(self, line: str) -> Event | None:
        if line == "":
            if not self._data:
                self._event = ""
                return None
            event = Event(self._event or "message", "\n".join(self._data), self.last_event_id)
            self._event = ""
            self._data = []
            return event
        if line.startswith(":"):
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id" and "\0" not in value:
            self.last_event_id = value
        elif name == "retry" and value.isdigit():
            self.retry_ms = int(value)
        return None
