from __future__ import annotations

import pytest

from interview_jobs.client.sse import Event, SSEParser


def test_events_with_names_data_and_comments() -> None:
    parser = SSEParser()
    stream = (
        "retry: 2000\n\n"
        ": keep-alive\n\n"
        'event: status\ndata: {"status":"PENDING"}\n\n'
        "data: line one\ndata: line two\nid: 7\n\n"
    )
    assert parser.feed(stream) == [
        Event("status", '{"status":"PENDING"}'),
        Event("message", "line one\nline two", "7"),
    ]
    assert parser.retry_ms == 2000
    assert parser.last_event_id == "7"


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_any_line_ending_and_any_chunking(newline: str) -> None:
    n = newline
    text = f"event: status{n}data: a{n}{n}event: deleted{n}data:b{n}{n}"
    whole = SSEParser().feed(text)
    assert whole == [Event("status", "a"), Event("deleted", "b")]
    for size in (1, 2, 3, 5):
        parser = SSEParser()
        events = []
        for i in range(0, len(text), size):
            events += parser.feed(text[i : i + size])
        assert events == whole, size


def test_an_unfinished_event_waits_for_its_blank_line() -> None:
    parser = SSEParser()
    assert parser.feed("event: status\ndata: x\n") == []
    assert parser.feed("\n") == [Event("status", "x")]
    # A blank line without data dispatches nothing and resets the event name.
    assert parser.feed("event: status\n\ndata: y\n\n") == [Event("message", "y")]


def test_field_without_value_and_space_handling() -> None:
    parser = SSEParser()
    assert parser.feed("data\n\ndata:  two spaces\n\n") == [
        Event("message", ""),
        Event("message", " two spaces"),
    ]
