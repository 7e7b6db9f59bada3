"""The error body every endpoint of both services returns (CONTRACT.md "Errors")."""

from __future__ import annotations

from typing import Any


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """``{"error": code, "message": message, "details": details}``."""
    return {"error": code, "message": message, "details": details}


def validation_details(errors: list[Any]) -> list[dict[str, Any]]:
    """Pydantic errors as ``[{"field": "a.b", "problem": "…"}]`` — which field and why."""
    out = []
    for err in errors:
        loc = [str(part) for part in err.get("loc", ()) if part not in ("body", "query", "path")]
        out.append({"field": ".".join(loc) or None, "problem": err.get("msg", "invalid")})
    return out
