"""The analysis result (``detailedAnalysis``), schema version 1 — CONTRACT.md "The analysis".

The pipeline (``interview_jobs.analysis``) builds this object as plain JSON without importing this
module (it must stay independent); the AI backend and the tests validate its output against
:class:`AnalysisResult`. Extra keys are allowed everywhere so that a new analyzer can add fields
without a schema change; removing or renaming a field here is a new ``schemaVersion``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from interview_jobs.contracts.common import AnalysisType

SCHEMA_VERSION = 1

Ratio = float  # 0..1, validated by Field(ge=0, le=1) where used


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class FeedbackItem(_Open):
    category: str
    severity: Literal["info", "suggestion", "warning"]
    message: str
    atSeconds: float | None = Field(default=None, ge=0)


class Word(_Open):
    word: str
    start: float = Field(ge=0)
    end: float = Field(ge=0)
    confidence: float = Field(ge=0, le=1)


class Transcript(_Open):
    text: str
    words: list[Word]


class FillerWords(_Open):
    total: int = Field(ge=0)
    perMinute: float = Field(ge=0)
    byWord: dict[str, int]


class Span(_Open):
    start: float = Field(ge=0)
    end: float = Field(ge=0)


class Pauses(_Open):
    count: int = Field(ge=0)
    totalSeconds: float = Field(ge=0)
    longestSeconds: float = Field(ge=0)
    items: list[Span]


class Pitch(_Open):
    meanHz: float | None
    stdHz: float | None


class Loudness(_Open):
    meanDb: float | None
    stdDb: float | None


class SpeechMetrics(_Open):
    wordsPerMinute: float | None = Field(ge=0)
    speakingRatio: float = Field(ge=0, le=1)
    fillerWords: FillerWords
    pauses: Pauses
    pitch: Pitch
    loudness: Loudness


class VisualMetrics(_Open):
    facePresenceRatio: float = Field(ge=0, le=1)
    eyeContactRatio: float | None = Field(ge=0, le=1)
    multipleFacesRatio: float = Field(ge=0, le=1)
    framing: dict[str, object] | str | None
    lighting: dict[str, object] | str | None


class Metrics(_Open):
    durationSeconds: float = Field(ge=0)
    speech: SpeechMetrics | None = None
    visual: VisualMetrics | None = None


class AnalysisResult(_Open):
    schemaVersion: Literal[1] = 1
    analysisType: AnalysisType
    score: float = Field(ge=0, le=100)
    summary: str
    feedback: list[FeedbackItem]
    transcript: Transcript | None = None
    metrics: Metrics
    timingsSeconds: dict[str, float]
