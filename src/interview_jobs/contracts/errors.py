"""The error body every endpoint of both services returns (CONTRACT.md "Errors")."""

from __future__ import annotations

from typing import Any


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """``{"error": code, "message": message, "details": details}``."""
    return {"error": code, "message": message, "details": details}


def field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    """A pydantic error's location as the wire names it: ``("body", "videoUrl")`` → ``videoUrl``,
    ``("body", "questions", 2, "text")`` → ``questions[2].text``; ``""`` for the whole body."""
    name = ""
    for part in loc:
        if part in ("body", "query", "path", "header"):
            continue
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name


def validation_details(errors: list[Any]) -> list[dict[str, Any]]:
    """Pydantic errors as ``[{"field": "a.b", "problem": "…"}]`` — which field and why."""
    return [
        {"field": field_name(err.get("loc", ())) or None, "problem": err.get("msg", "invalid")}
        for err in errors
    ]
