"""Fixtures of the analysis tests: generated clips (once per session) and shared analyzers."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from interview_jobs.analysis import AnalysisOptions, Analyzer
from tests.media.generate import GroundTruth, make_bad_inputs, make_clip

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("analysis-media")


@pytest.fixture(scope="session")
def clip60(media_dir: Path) -> GroundTruth:
    """A 60 s interview (h264/aac mp4): speech with fillers and pauses; face present, turned
    away and absent in turns."""
    return make_clip(media_dir / "interview60.mp4", 60)


@pytest.fixture(scope="session")
def clip_webm(media_dir: Path) -> GroundTruth:
    return make_clip(media_dir / "interview20.webm", 20)


@pytest.fixture(scope="session")
def bad_inputs(media_dir: Path) -> dict[str, Path]:
    return make_bad_inputs(media_dir / "bad")


@pytest.fixture(scope="session")
def tiny() -> Analyzer:
    """The analyzer of the fast tests (Whisper tiny.en); its models load once per session."""
    return Analyzer(AnalysisOptions(asr_model="tiny.en"))


@pytest.fixture(scope="session")
def analyze_cached(tiny: Analyzer) -> Callable[..., dict[str, Any]]:
    """tiny.analyze(path, type), memoised for the session (results are plain JSON)."""
    cache: dict[tuple[str, str], dict[str, Any]] = {}

    def run(path: str | Path, analysis_type: str = "comprehensive") -> dict[str, Any]:
        key = (str(path), analysis_type)
        if key not in cache:
            cache[key] = tiny.analyze(path, analysis_type=analysis_type)
        return cache[key]

    return run
