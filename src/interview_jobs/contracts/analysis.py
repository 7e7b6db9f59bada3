"""The analysis result (``detailedAnalysis``), schema version 2 — CONTRACT.md "The analysis".

Version 2 keeps every field of version 1 with its meaning and adds the interview's answers
(``answers[]``) and the ``contentScore`` and ``deliveryScore`` beside ``score``.

The pipeline (``interview_jobs.analysis``) builds this object as plain JSON without importing this
module (it must stay independent); the AI backend and the tests validate its output against
:class:`AnalysisResult`. Extra keys are allowed everywhere so that a new analyzer can add fields
without a schema change; removing or renaming a field here is a new ``schemaVersion``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from interview_jobs.contracts.common import AnalysisType

SCHEMA_VERSION = 2


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


class SentenceSpan(_Open):
    text: str
    start: float = Field(ge=0)
    end: float = Field(ge=0)


class StarPart(_Open):
    present: bool
    sentences: list[SentenceSpan]


class Star(_Open):
    situation: StarPart
    task: StarPart
    action: StarPart
    result: StarPart


class AnswerContent(_Open):
    relevance: float | None = Field(ge=0, le=1)
    star: Star | None
    specificity: dict[str, object]
    ownership: dict[str, object]
    length: dict[str, object]
    repetition: dict[str, object]
    closing: dict[str, object]


class AnswerDelivery(_Open):
    wordsPerMinute: float | None = Field(ge=0)
    fillerWords: FillerWords
    pauses: dict[str, object]
    eyeContactRatio: float | None = Field(ge=0, le=1)


class AnswerQuestion(_Open):
    text: str
    id: str | None = None
    category: str | None = None


class Answer(_Open):
    index: int = Field(ge=0)
    question: AnswerQuestion | None
    start: float = Field(ge=0)
    end: float = Field(ge=0)
    speaker: str | None = None
    score: float = Field(ge=0, le=100)
    contentScore: float | None = Field(ge=0, le=100)
    deliveryScore: float | None = Field(ge=0, le=100)
    content: AnswerContent
    delivery: AnswerDelivery
    feedback: list[FeedbackItem]


class AnalysisResult(_Open):
    schemaVersion: Literal[2] = 2
    analysisType: AnalysisType
    score: float = Field(ge=0, le=100)
    summary: str
    feedback: list[FeedbackItem]
    transcript: Transcript | None = None
    metrics: Metrics
    timingsSeconds: dict[str, float]
    answers: list[Answer]
    contentScore: float | None = Field(ge=0, le=100)
    deliveryScore: float | None = Field(ge=0, le=100)
