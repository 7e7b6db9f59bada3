"""The rubric: sub-scores 0–100, their weights, the delivery and content scores and how they
combine (docs/scoring.md); the wording of feedback and summary is in :mod:`.feedback`.

Every input is a measurement of the media; the constants below are the rubric, documented in
docs/scoring.md — change both together.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from interview_jobs.analysis import feedback as wording
from interview_jobs.analysis.feedback import Feedback, hedging_words
from interview_jobs.analysis.options import AnalysisOptions
from interview_jobs.analysis.speech import SpeechFindings, filler_events
from interview_jobs.analysis.text import TextFindings
from interview_jobs.analysis.visual import VisualFindings, framing_of, lighting_of
from interview_jobs.analysis.voice import VoiceFindings

WEIGHTS = {
    "pace": 20, "fillers": 20, "pauses": 10, "voice": 10, "language": 10,
    "eyeContact": 20, "presence": 10,
}  # fmt: skip
LABELS = {
    "pace": "pace", "fillers": "filler words", "pauses": "pauses", "voice": "voice",
    "language": "wording", "eyeContact": "eye contact", "presence": "on-camera presence",
}  # fmt: skip
PACE_GOOD = (120.0, 160.0)  # wpm
PACE_FLAG = (100.0, 180.0)  # a minute outside this gets its own feedback
FILLERS_FREE_PER_MIN = 1.0
# Pauses are counted per 5 minutes of speaking time, at least this many minutes.
PAUSE_FLOOR_MINUTES = 5.0
# A sub-score is a strength ("Strong: …") only when its target is met (full marks); below this
# it is something to work on.
STRONG_AT = 99.5
WEAK_BELOW = 70.0
# Self-deprecating phrases cost this much each in the wording sub-score, at most 3 of them.
SELF_DEPRECATION_PENALTY = 8
EYE_CONTACT_GOOD = 0.7
EYE_CONTACT_WARN = 0.5  # below this, eye contact is a warning
LOOK_AWAY_SECONDS = 3.0  # a look away this long gets its own feedback
FACE_ABSENT_SECONDS = 2.0  # and so does a face missing this long
SECOND_FACE_SHARE = 0.2  # another face in more of the frames than this costs presence
HEDGES_FLAG_PER_100 = 2.0  # more hedges than this per 100 words get feedback
MONOTONE_SEMITONES = 1.5
QUIET_DBFS = -35.0


# ---- content (per answer; docs/scoring.md "Content") ----
# The parts of an answer's content score and their weights; a part that cannot be measured
# (relevance without a question, structure for a free-form question) drops out of the mean.
CONTENT_WEIGHTS = {
    "relevance": 25, "structure": 25, "specificity": 20, "length": 10, "repetition": 10,
    "ownership": 5, "closing": 5,
}  # fmt: skip
# Below this relevance an answer is off the question: its content score is capped, however
# well structured it is.
OFF_TOPIC_RELEVANCE = 0.5
OFF_TOPIC_CAP = 30.0
# An answer of fewer words than this says too little to be judged well.
THIN_ANSWER_WORDS = 15
THIN_ANSWER_CAP = 30.0
# The overall score (per answer and for the interview): this share content, the rest delivery.
CONTENT_WEIGHT = 0.6


def weighted_mean(parts: dict[str, float | None], weights: dict[str, int]) -> float | None:
    """The weighted mean of the parts that exist (None when none does)."""
    present = {k: v for k, v in parts.items() if v is not None and k in weights}
    if not present:
        return None
    return sum(weights[k] * v for k, v in present.items()) / sum(weights[k] for k in present)


def combine(delivery: float | None, content: float | None) -> float:
    """The overall score from the delivery and the content score (either may be missing)."""
    if content is None:
        return round(delivery or 0.0, 1)
    if delivery is None:
        return round(content, 1)
    return round(CONTENT_WEIGHT * content + (1 - CONTENT_WEIGHT) * delivery, 1)


# Speech sub-scores that are 0 when the audio track holds no speech at all.
SILENT_ZERO = ("pace", "fillers", "pauses", "voice")


def _clip(value: float) -> float:
    return round(max(0.0, min(100.0, value)), 1)


@dataclass
class Scored:
    score: float
    sub_scores: dict[str, float]
    summary: str
    feedback: list[Feedback] = field(default_factory=list)


def pace_score(wpm: float) -> float:
    lo, hi = PACE_GOOD
    if wpm < lo:
        return _clip(100 - (lo - wpm) * 1.5)
    if wpm > hi:
        return _clip(100 - (wpm - hi) * 1.5)
    return 100.0


def filler_score(per_minute: float) -> float:
    return _clip(100 - max(0.0, per_minute - FILLERS_FREE_PER_MIN) * 12)


def pause_score(
    long_pauses: int, longest: float, minutes: float, long_pause_seconds: float
) -> float:
    """``minutes``: the speaking time (first word to last); below the floor it counts as the
    floor, so that one pause in a short answer costs what it would in a five-minute one."""
    per_five = long_pauses / max(minutes, PAUSE_FLOOR_MINUTES) * 5
    return _clip(100 - 15 * per_five - 2 * max(0.0, longest - long_pause_seconds))


def voice_score(semitones: float, dbfs: float | None) -> float:
    lively = 40 + (min(max(semitones, 0.5), 2.5) - 0.5) / 2.0 * 60
    quiet = 20 if dbfs is not None and dbfs < QUIET_DBFS else 0
    return _clip(lively - quiet)


def eye_contact_score(ratio: float) -> float:
    return _clip(ratio / EYE_CONTACT_GOOD * 100)


def language_score(hedges_per_100: float, diversity: float | None, put_downs: int = 0) -> float:
    score = 100 - 8 * max(0.0, hedges_per_100 - 1.0)
    if diversity is not None and diversity < 0.4:
        score -= 10
    score -= SELF_DEPRECATION_PENALTY * min(put_downs, 3)
    return _clip(score)


def score_all(
    *,
    duration: float,
    options: AnalysisOptions,
    speech: SpeechFindings | None,
    voice: VoiceFindings | None,
    text: TextFindings | None,
    visual: VisualFindings | None,
    missing: tuple[str, ...] = (),
) -> Scored:
    """Sub-scores, feedback and summary. ``missing``: the tracks the analysis wanted but the
    file lacks (``"audio"``, ``"video"``): their sub-scores are 0, as for silence or no face."""
    subs: dict[str, float] = {}
    fb: list[Feedback] = []
    details: dict[str, str] = {}
    if "audio" in missing:
        for name in SILENT_ZERO:
            subs[name] = 0.0
        details["pace"] = "no audio track"
    if "video" in missing:
        subs["eyeContact"] = subs["presence"] = 0.0
        details["presence"] = "no video track"
    if speech is not None:
        _score_speech(speech, options, subs, fb, details)
    if voice is not None and speech is not None and speech.words:
        _score_voice(voice, subs, fb, details)
    if text is not None and text.word_count >= 20:
        _score_text(text, subs, fb, details)
    if visual is not None:
        _score_visual(visual, subs, fb, details)
    score = round(weighted_mean(dict(subs), WEIGHTS) or 0.0, 1)
    heard = speech is not None and bool(speech.words)
    seen = visual is not None and bool(visual.observations) and visual.face_presence_ratio() > 0
    if missing:
        text_ = f"{_summary(score, subs, details, duration)} {wording.missing_tracks(missing)}"
        return Scored(score, subs, text_, fb)
    if not heard and not seen:
        return Scored(score, subs, wording.nothing_found(duration), fb)
    return Scored(score, subs, _summary(score, subs, details, duration), fb)


def _score_speech(
    speech: SpeechFindings,
    options: AnalysisOptions,
    subs: dict[str, float],
    fb: list[Feedback],
    details: dict[str, str],
) -> None:
    if not speech.words:
        # Nobody answered: like a video without a face, that scores 0 rather than dropping out of
        # the mean (a silent interview must not score 100 on its framing alone).
        for name in SILENT_ZERO:
            subs[name] = 0.0
        details["pace"] = "no speech"
        fb.append(wording.no_speech())
        return
    wpm = speech.words_per_minute()
    span_min = max((speech.words[-1].end - speech.words[0].start) / 60, 1 / 60)
    if wpm is not None:
        subs["pace"] = pace_score(wpm)
        details["pace"] = f"{wpm:.0f} words a minute"
        odd = [
            (
                m["start"],
                m["end"],
                m["wordsPerMinute"],
                "fast" if m["wordsPerMinute"] > hi else "slow",
            )
            for m in speech.pace_by_minute()
            for lo, hi in [PACE_FLAG]
            if not lo <= m["wordsPerMinute"] <= hi
        ]
        fb += wording.pace_items(wpm, PACE_GOOD, odd)
    events = filler_events(speech.words)
    per_min = len(events) / span_min
    subs["fillers"] = filler_score(per_min)
    details["fillers"] = f"{per_min:.1f} filler words a minute" if events else "no filler words"
    severity = (
        "info" if per_min <= FILLERS_FREE_PER_MIN else "warning" if per_min > 4 else "suggestion"
    )
    fb += wording.filler_items(events, per_min, severity)
    pauses = speech.pauses(options.pause_min_seconds)
    long = [p for p in pauses if p[1] - p[0] >= options.long_pause_seconds]
    longest = max((e - s for s, e in pauses), default=0.0)
    subs["pauses"] = pause_score(len(long), longest, span_min, options.long_pause_seconds)
    threshold = f"{options.long_pause_seconds:g} s"
    details["pauses"] = (
        f"{len(long)} pause{'s' if len(long) != 1 else ''} of {threshold} or longer"
        if long
        else f"no pause of {threshold} or longer"
    )
    fb += wording.pause_items(long, len(pauses), longest, 2 * options.long_pause_seconds)


def _score_voice(
    voice: VoiceFindings, subs: dict[str, float], fb: list[Feedback], details: dict[str, str]
) -> None:
    if voice.pitch_std_semitones is None:
        return
    st = voice.pitch_std_semitones
    dbfs = voice.loudness_mean_dbfs
    subs["voice"] = voice_score(st, dbfs)
    monotone = st < MONOTONE_SEMITONES
    details["voice"] = (
        f"a flat voice, the pitch moving only {st:.1f} semitones"
        if monotone
        else f"a lively voice, the pitch moving {st:.1f} semitones"
    )
    quiet = dbfs is not None and dbfs < QUIET_DBFS
    fb += wording.voice_items(st, voice.pitch_mean_hz, dbfs, monotone, quiet)


def _score_text(
    text: TextFindings, subs: dict[str, float], fb: list[Feedback], details: dict[str, str]
) -> None:
    put_downs = text.self_deprecation
    subs["language"] = language_score(
        text.hedges_per_100_words, text.lexical_diversity, len(put_downs)
    )
    details["language"] = hedging_words(text.hedges_per_100_words, len(put_downs))
    many = text.hedges_per_100_words > HEDGES_FLAG_PER_100
    fb += wording.language_items(text.hedges_per_100_words, text.hedges, put_downs, many)


def _score_visual(
    visual: VisualFindings, subs: dict[str, float], fb: list[Feedback], details: dict[str, str]
) -> None:
    if not visual.observations:
        fb.append(wording.no_frames())
        return
    presence = visual.face_presence_ratio()
    if presence == 0:
        fb.append(wording.no_face())
        subs["presence"] = 0.0
        subs["eyeContact"] = 0.0
        details["presence"] = "no face visible"
        return
    ratio = visual.eye_contact_ratio() or 0.0
    subs["eyeContact"] = eye_contact_score(ratio)
    details["eyeContact"] = f"you looked at the camera {ratio:.0%} of the time"
    away = visual.intervals(lambda o: o.faces >= 1 and not o.eye_contact, LOOK_AWAY_SECONDS)
    fb += wording.eye_contact_items(ratio, EYE_CONTACT_GOOD, EYE_CONTACT_WARN, away)
    penalty = 0.0
    multiple = visual.multiple_faces_ratio()
    several = multiple > SECOND_FACE_SHARE
    if several:
        penalty += 10
    framing = framing_of(visual)
    framed = None
    if framing is not None and framing.verdict != "good":
        penalty += 15 if framing.verdict == "too_far" else 10
        framed = (framing.verdict, framing.face_height)
    lighting = lighting_of(visual)
    lit = None
    if lighting is not None and lighting.verdict != "good":
        penalty += 15 if lighting.verdict == "dark" else 10
        lit = lighting.verdict
    absent = visual.intervals(lambda o: o.faces == 0, FACE_ABSENT_SECONDS)
    fb += wording.presence_items(absent, multiple if several else None, framed, lit)
    subs["presence"] = _clip(presence * 100 - penalty)
    details["presence"] = f"your face was in view {presence:.0%} of the time"


def _summary(score: float, subs: dict[str, float], details: dict[str, str], duration: float) -> str:
    """Strengths are the sub-scores at their target (full marks), weaknesses those below 70."""
    ranked = sorted(subs.items(), key=lambda kv: -kv[1])
    strong = [f"{LABELS[k]} ({details.get(k, f'{v:.0f}')})" for k, v in ranked if v >= STRONG_AT]
    weak = [
        f"{LABELS[k]} ({details.get(k, f'{v:.0f}')})" for k, v in reversed(ranked) if v < WEAK_BELOW
    ]
    return wording.summary(score, duration, strong[:2], weak[:2])
