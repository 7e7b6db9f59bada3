"""Base model: camelCase on the wire, snake_case in Python."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class CamelModel(BaseModel):
    """JSON is camelCase everywhere (CONTRACT.md); Python attributes stay snake_case."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    def wire(self) -> dict[str, object]:
        """The JSON-ready dict, with camelCase keys."""
        return self.model_dump(mode="json", by_alias=True)


class JobStatus(StrEnum):
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED})


class AnalysisType(StrEnum):
    COMPREHENSIVE = "comprehensive"
    SPEECH = "speech"
    VISUAL = "visual"

    @property
    def wants_speech(self) -> bool:
        return self in (AnalysisType.COMPREHENSIVE, AnalysisType.SPEECH)

    @property
    def wants_visual(self) -> bool:
        return self in (AnalysisType.COMPREHENSIVE, AnalysisType.VISUAL)
