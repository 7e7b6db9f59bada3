"""Speaker separation on real decoding and real generated speech (tests/media/dialogue.py), and
on a real recorded telephone call (../shared/media/real, skipped where that folder is absent)."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from interview_jobs.analysis.errors import ModelError
from interview_jobs.analysis.media import AudioBlock, iter_audio
from interview_jobs.analysis.pipeline import AUDIO_ANALYZERS
from interview_jobs.analysis.speakers import RULE_TALKS_MOST, SpeakerAnalyzer, SpeakerFindings
from interview_jobs.analysis.voice_encoder import load_encoder, load_torch_state
from tests.analysis.speaker_scoring import (
    attributed_right,
    boundary_errors,
    der,
    read_rttm,
    voice_of_speaker,
)
from tests.conftest import require
from tests.media.dialogue import SCRIPTS, DialogueTruth, make_interview
from tests.media.generate import GroundTruth, make_clip

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "media" / "real"
TELEPHONE = REAL / "conversation_no_transcript" / "pyannote_sample_telephone.wav"


def separate(path: Path, block_seconds: float = 10.0) -> SpeakerFindings:
    stage = SpeakerAnalyzer()
    for block in iter_audio(path, block_seconds=block_seconds):
        stage.feed(block)
    return stage.finish()


@pytest.fixture(scope="module")
def dialogue(tmp_path_factory: pytest.TempPathFactory) -> DialogueTruth:
    """Interviewer (espeak-ng) and candidate (Piper, on camera) in turns, h264/aac mp4."""
    require(shutil.which("espeak-ng") is not None, "espeak-ng (Debian package) is needed")
    path = tmp_path_factory.mktemp("speakers") / "interview.mp4"
    turns = SCRIPTS["short"] + SCRIPTS["brisk"]
    return make_interview(path, turns, fps=5, width=320, height=180)


@pytest.fixture(scope="module")
def monologue(tmp_path_factory: pytest.TempPathFactory) -> GroundTruth:
    return make_clip(tmp_path_factory.mktemp("speakers") / "monologue.mp4", 30, fps=5)


def test_two_voices_turns_and_candidate(dialogue: DialogueTruth) -> None:
    findings = separate(Path(dialogue.path))
    assert findings.voices == 2
    mapping = voice_of_speaker(dialogue, findings)
    assert set(mapping) == {"interviewer", "candidate"}
    assert mapping["interviewer"] != mapping["candidate"]
    assert findings.candidate == mapping["candidate"]
    assert findings.rule == RULE_TALKS_MOST
    assert len(findings.turns) == len(dialogue.turns)
    assert max(boundary_errors(dialogue, findings)) <= 1.5
    assert attributed_right(dialogue, findings) >= 0.95
    # turns are sorted, alternate, and the candidate's speech time is the larger
    starts = [t.start for t in findings.turns]
    assert starts == sorted(starts)
    assert all(
        a.speaker != b.speaker for a, b in zip(findings.turns, findings.turns[1:], strict=False)
    )
    assert (
        findings.speech_seconds[findings.candidate]
        > findings.speech_seconds[1 - findings.candidate]
    )
    # a word of the candidate's answer belongs to the candidate's voice
    word = dialogue.of("candidate")[1].words[3]
    assert findings.speaker_of(word.start, word.end) == findings.candidate


def test_monologue_is_one_voice(monologue: GroundTruth) -> None:
    findings = separate(Path(monologue.path))
    assert findings.voices == 1
    assert findings.candidate == 0
    assert findings.rule == "only voice"
    assert len(findings.turns) == 1
    assert findings.windows >= 20  # enough speech that a split was considered, and refused
    assert findings.separation is not None
    turn = findings.turns[0]
    assert abs(turn.start - monologue.words[0].start) < 0.5
    assert abs(turn.end - monologue.words[-1].end) < 0.5


def test_findings_do_not_depend_on_block_size(dialogue: DialogueTruth) -> None:
    path = Path(dialogue.path)
    reference = separate(path, 10.0)
    for block_seconds in (3.7, 45.0):
        other = separate(path, block_seconds)
        assert other.voices == reference.voices
        assert len(other.turns) == len(reference.turns)
        for a, b in zip(reference.turns, other.turns, strict=True):
            assert a.speaker == b.speaker
            assert abs(a.start - b.start) < 0.3
            assert abs(a.end - b.end) < 0.3
        assert attributed_right(dialogue, other) >= 0.95


def test_silence_has_no_voice() -> None:
    stage = SpeakerAnalyzer()
    for n in range(4):
        stage.feed(AudioBlock(np.zeros(160_000, dtype=np.float32), n * 10.0))
    findings = stage.finish()
    assert (findings.voices, findings.turns, findings.candidate) == (0, (), None)
    assert findings.speaker_of(1.0, 2.0) is None


def test_registered_in_the_pipeline() -> None:
    assert "speakers" in dict(AUDIO_ANALYZERS)


def test_real_telephone_call_has_two_voices() -> None:
    if not TELEPHONE.exists():
        pytest.skip(f"the real recordings are absent ({TELEPHONE})")
    findings = separate(TELEPHONE)
    assert findings.voices == 2
    reference = read_rttm(TELEPHONE.with_suffix(".rttm"))
    result = der(
        reference, [(s.start, s.end, s.speaker) for s in findings.segments], 30.0, collar=0.25
    )
    assert result is not None
    # measured 7.6 % by bench/speakers.py (all speech as one voice: 46 %)
    assert result.der < 0.25


def test_encoder_weights_are_checked_and_code_in_them_refused(tmp_path: Path) -> None:
    encoder = load_encoder()
    assert encoder is load_encoder()  # once per process
    not_torch = tmp_path / "weights.pt"
    not_torch.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="not a usable weights file"):
        load_torch_state(not_torch)
    # a legacy torch file whose pickle names a callable: refused before anything runs
    evil = tmp_path / "evil.pt"
    with evil.open("wb") as fh:
        for header in (0x1950A86A20F9469CFC6C, 1001, {}):
            pickle.dump(header, fh, protocol=2)
        pickle.dump(_Evil(), fh, protocol=2)
    with pytest.raises(ModelError, match=r"unexpected object shutil\.rmtree"):
        load_torch_state(evil)


class _Evil:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (shutil.rmtree, ("/nonexistent-speakers-test",))
