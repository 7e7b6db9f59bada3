"""The analysis pipeline: offline interview analysis from a video file.

::

    from interview_jobs.analysis import Analyzer, AnalysisOptions, AnalysisError, probe
    analyzer = Analyzer(AnalysisOptions(asr_model="base"))
    result = analyzer.analyze("interview.mp4", analysis_type="comprehensive",
                              progress=lambda fraction, stage: ...)

Pure library: imports nothing from ``interview_jobs.api``, ``.ai`` or ``.contracts``. Heavy
modules (PyAV, faster-whisper, MediaPipe) load on first use, so importing this package is cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from interview_jobs.analysis.errors import AnalysisError, MediaError, ModelError
from interview_jobs.analysis.options import ANALYSIS_TYPES, AnalysisOptions

if TYPE_CHECKING:
    from interview_jobs.analysis.media import AudioStreamInfo, MediaInfo, VideoStreamInfo, probe
    from interview_jobs.analysis.pipeline import SCHEMA_VERSION, Analyzer, ProgressFn

__all__ = [
    "ANALYSIS_TYPES",
    "SCHEMA_VERSION",
    "AnalysisError",
    "AnalysisOptions",
    "Analyzer",
    "AudioStreamInfo",
    "MediaError",
    "MediaInfo",
    "ModelError",
    "ProgressFn",
    "VideoStreamInfo",
    "probe",
]

_LAZY = {
    "Analyzer": "interview_jobs.analysis.pipeline",
    "SCHEMA_VERSION": "interview_jobs.analysis.pipeline",
    "ProgressFn": "interview_jobs.analysis.pipeline",
    "probe": "interview_jobs.analysis.media",
    "MediaInfo": "interview_jobs.analysis.media",
    "AudioStreamInfo": "interview_jobs.analysis.media",
    "VideoStreamInfo": "interview_jobs.analysis.media",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
