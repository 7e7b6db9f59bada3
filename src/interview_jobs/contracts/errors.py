"""The error body every endpoint of both services returns (CONTRACT.md "Errors").

``{"error": code, "message": sentence, "details": …}``. For the input errors (400, 415, 422)
``details`` is always a list of ``{"field", "message"}``: ``field`` names the field, parameter or
header as it is on the wire (``videoUrl``, ``questions[2].text``), and is null when the whole body
is at fault.
"""

from __future__ import annotations

from typing import Any

INPUT_ERROR_STATUSES = frozenset({400, 415, 422})


def field_error(field: str | None, message: str) -> dict[str, Any]:
    """One item of an input error's ``details``."""
    return {"field": field, "message": message}


def error_body(status_code: int, code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The body of an error answered with ``status_code``. An input error without a list of
    details is about the whole body: its details are ``[{"field": null, "message": message}]``."""
    if status_code in INPUT_ERROR_STATUSES and not isinstance(details, list):
        details = [field_error(None, message)]
    return {"error": code, "message": message, "details": details}


def field_name(loc: tuple[Any, ...] | list[Any]) -> str | None:
    """A pydantic error's location as the wire names it: ``("body", "videoUrl")`` → ``videoUrl``,
    ``("body", "questions", 2, "text")`` → ``questions[2].text``; None for the whole body."""
    name = ""
    for part in loc:
        if part in ("body", "query", "path", "header"):
            continue
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name or None


def validation_details(errors: list[Any]) -> list[dict[str, Any]]:
    """Pydantic errors as ``[{"field": "a.b", "message": "…"}]`` — which field and why."""
    return [
        field_error(
            field_name(err.get("loc", ())),
            str(err.get("msg", "invalid")).removeprefix("Value error, "),
        )
        for err in errors
    ]
