"""The rubric: sub-scores 0–100, their weights, the delivery and content scores and how they
combine (docs/scoring.md); the wording of feedback and summary is in :mod:`.feedback`.

Every input is a measurement of the media; the constants below are the rubric, documented in
docs/scoring.md — change both together.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from interview_jobs.analysis.feedback import (
    Feedback,
    clock,
    filler_breakdown,
    hedging_words,
    ordinal_minute,
)
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
MONOTONE_SEMITONES = 1.5
QUIET_DBFS = -35.0


# ---- content (per answer; docs/scoring.md "Content") ----
# The parts of an answer's content score and their weights; a part that cannot be measured
# (relevance without a question, structure for a free-form question) drops out of the mean.
CONTENT_WEIGHTS = {
    "relevance": 30, "structure": 30, "specificity": 15, "length": 10, "ownership": 5,
    "repetition": 5, "closing": 5,
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
        _speech_feedback(speech, options, duration, subs, fb, details)
    if voice is not None and speech is not None and speech.words:
        _voice_feedback(voice, subs, fb, details)
    if text is not None and text.word_count >= 20:
        _text_feedback(text, subs, fb, details)
    if visual is not None:
        _visual_feedback(visual, subs, fb, details)
    available = {k: v for k, v in subs.items() if k in WEIGHTS}
    if available:
        total = sum(WEIGHTS[k] * v for k, v in available.items()) / sum(
            WEIGHTS[k] for k in available
        )
    else:
        total = 0.0
    score = round(total, 1)
    heard = speech is not None and bool(speech.words)
    seen = visual is not None and bool(visual.observations) and visual.face_presence_ratio() > 0
    if missing:
        names = " and ".join(f"no {track} track" for track in missing)
        what = {"audio": "pace, filler words, pauses and voice", "video": "eye contact and "
                "on-camera presence"}  # fmt: skip
        zeroed = " and ".join(what[t] for t in missing)
        summary = _summary(score, subs, details, duration)
        return Scored(score, subs, f"{summary} The file has {names}: {zeroed} score 0.", fb)
    if not heard and not seen:
        summary = (
            f"Nothing to score in {clock(duration)} of media: no speech and no face were found."
        )
        return Scored(score, subs, summary, fb)
    return Scored(score, subs, _summary(score, subs, details, duration), fb)


def _speech_feedback(
    speech: SpeechFindings,
    options: AnalysisOptions,
    duration: float,
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
        fb.append(
            Feedback(
                "speech",
                "warning",
                "No speech was detected in the audio track, so pace, filler words, pauses and "
                "voice score 0.",
            )
        )
        return
    wpm = speech.words_per_minute()
    span_min = max((speech.words[-1].end - speech.words[0].start) / 60, 1 / 60)
    if wpm is not None:
        subs["pace"] = pace_score(wpm)
        lo, hi = PACE_GOOD
        if wpm < lo:
            fb.append(
                Feedback(
                    "pace",
                    "suggestion",
                    f"You spoke at {wpm:.0f} words per minute; {lo:.0f}–{hi:.0f} is easy to "
                    "follow and sounds confident.",
                )
            )
        elif wpm > hi:
            fb.append(
                Feedback(
                    "pace",
                    "suggestion",
                    f"You spoke at {wpm:.0f} words per minute, faster than the "
                    f"{lo:.0f}–{hi:.0f} that is easy to follow.",
                )
            )
        else:
            fb.append(Feedback("pace", "info", f"Good pace: {wpm:.0f} words per minute."))
        details["pace"] = f"{wpm:.0f} words a minute"
        for item in speech.pace_by_minute():
            rate = item["wordsPerMinute"]
            if rate > PACE_FLAG[1] or rate < PACE_FLAG[0]:
                which = ordinal_minute(int(item["start"] // 60))
                kind = "fast" if rate > PACE_FLAG[1] else "slow"
                fb.append(
                    Feedback(
                        "pace",
                        "suggestion",
                        f"{rate:.0f} wpm in {which} "
                        f"({clock(item['start'])}–{clock(item['end'])}): {kind}.",
                        item["start"],
                    )
                )
    events = filler_events(speech.words)
    per_min = len(events) / span_min
    subs["fillers"] = filler_score(per_min)
    details["fillers"] = f"{per_min:.1f} filler words a minute" if events else "no filler words"
    if events:
        top = filler_breakdown([word for word, _ in events])
        severity = (
            "info"
            if per_min <= FILLERS_FREE_PER_MIN
            else ("warning" if per_min > 4 else "suggestion")
        )
        fb.append(
            Feedback(
                "fillers",
                severity,
                f"{len(events)} filler word{'s' if len(events) != 1 else ''} ({per_min:.1f} per "
                f"minute): {top}. First at {clock(events[0][1])}.",
                events[0][1],
            )
        )
        # the minute with the most fillers
        by_minute: dict[int, int] = {}
        for _, t in events:
            by_minute[int(t // 60)] = by_minute.get(int(t // 60), 0) + 1
        worst, n = max(by_minute.items(), key=lambda kv: kv[1])
        if n >= 4 and len(by_minute) > 1:
            fb.append(
                Feedback(
                    "fillers",
                    "suggestion",
                    f"{n} filler words in {ordinal_minute(worst)} "
                    f"({clock(worst * 60)}–{clock(worst * 60 + 60)}).",
                    worst * 60.0,
                )
            )
    else:
        fb.append(
            Feedback("fillers", "info", "No filler words (um, uh, like, you know…) detected.")
        )
    pauses = speech.pauses(options.pause_min_seconds)
    long = [p for p in pauses if p[1] - p[0] >= options.long_pause_seconds]
    longest = max((e - s for s, e in pauses), default=0.0)
    subs["pauses"] = pause_score(len(long), longest, span_min, options.long_pause_seconds)
    details["pauses"] = (
        f"{len(long)} pause{'s' if len(long) != 1 else ''} of "
        f"{options.long_pause_seconds:g} s or longer"
        if long
        else f"no pause of {options.long_pause_seconds:g} s or longer"
    )
    for start, end in sorted(long, key=lambda p: p[0] - p[1])[:5]:
        severity = "warning" if end - start >= 2 * options.long_pause_seconds else "suggestion"
        fb.append(
            Feedback("pauses", severity, f"A {end - start:.1f} s pause at {clock(start)}.", start)
        )
    if not long and pauses:
        fb.append(
            Feedback(
                "pauses",
                "info",
                f"{len(pauses)} short pause{'s' if len(pauses) > 1 else ''}, the longest "
                f"{longest:.1f} s: natural breaks.",
            )
        )


def _voice_feedback(
    voice: VoiceFindings, subs: dict[str, float], fb: list[Feedback], details: dict[str, str]
) -> None:
    if voice.pitch_std_semitones is None:
        return
    st = voice.pitch_std_semitones
    dbfs = voice.loudness_mean_dbfs
    subs["voice"] = voice_score(st, dbfs)
    details["voice"] = (
        f"a lively voice, the pitch moving {st:.1f} semitones"
        if st >= MONOTONE_SEMITONES
        else f"a flat voice, the pitch moving only {st:.1f} semitones"
    )
    if st < MONOTONE_SEMITONES:
        fb.append(
            Feedback(
                "voice",
                "suggestion",
                f"Your pitch varies little ({st:.1f} semitones around {voice.pitch_mean_hz:.0f} "
                "Hz): vary your intonation to sound more engaged.",
            )
        )
    else:
        fb.append(
            Feedback(
                "voice",
                "info",
                f"Lively intonation: pitch varies by {st:.1f} semitones around "
                f"{voice.pitch_mean_hz:.0f} Hz.",
            )
        )
    if dbfs is not None and dbfs < QUIET_DBFS:
        fb.append(
            Feedback(
                "voice",
                "suggestion",
                f"The voice is quiet ({dbfs:.0f} dBFS): move closer to the microphone or raise "
                "the input level.",
            )
        )


def _text_feedback(
    text: TextFindings, subs: dict[str, float], fb: list[Feedback], details: dict[str, str]
) -> None:
    put_downs = text.self_deprecation
    subs["language"] = language_score(
        text.hedges_per_100_words, text.lexical_diversity, len(put_downs)
    )
    details["language"] = hedging_words(text.hedges_per_100_words, len(put_downs))
    if text.hedges_per_100_words > 2:
        top = ", ".join(f"“{h}” ×{n}" for h, n in list(text.hedges.items())[:3])
        fb.append(
            Feedback(
                "language",
                "suggestion",
                f"Many hedging phrases ({text.hedges_per_100_words:.1f} per 100 words: {top}); "
                "state results with more confidence.",
            )
        )
    if put_downs:
        said = ", ".join(f"“{p}”" for p in dict.fromkeys(put_downs))
        fb.append(
            Feedback(
                "language",
                "suggestion",
                f"You put yourself down ({said}): say what you can do and how you are getting "
                "better at the rest.",
            )
        )


def _visual_feedback(
    visual: VisualFindings, subs: dict[str, float], fb: list[Feedback], details: dict[str, str]
) -> None:
    if not visual.observations:
        fb.append(Feedback("video", "warning", "No video frames could be decoded."))
        return
    presence = visual.face_presence_ratio()
    if presence == 0:
        fb.append(
            Feedback(
                "face",
                "warning",
                "No face was visible in the video: place the camera so that it shows your face.",
            )
        )
        subs["presence"] = 0.0
        subs["eyeContact"] = 0.0
        details["presence"] = "no face visible"
        return
    ratio = visual.eye_contact_ratio() or 0.0
    subs["eyeContact"] = eye_contact_score(ratio)
    details["eyeContact"] = f"you looked at the camera {ratio:.0%} of the time"
    if ratio < 0.5:
        fb.append(
            Feedback(
                "eye_contact",
                "warning",
                f"Eye contact only {ratio:.0%} of the time: look into the camera more.",
            )
        )
    elif ratio < EYE_CONTACT_GOOD:
        fb.append(
            Feedback(
                "eye_contact",
                "suggestion",
                f"Eye contact {ratio:.0%} of the time; aim for {EYE_CONTACT_GOOD:.0%} or more.",
            )
        )
    else:
        fb.append(Feedback("eye_contact", "info", f"Good eye contact: {ratio:.0%} of the time."))
    away = visual.intervals(lambda o: o.faces >= 1 and not o.eye_contact, 3.0)
    for start, end in sorted(away, key=lambda iv: iv[0] - iv[1])[:3]:
        fb.append(
            Feedback(
                "eye_contact",
                "suggestion",
                f"You looked away from {clock(start)} to {clock(end)} ({end - start:.0f} s).",
                start,
            )
        )
    penalty = 0.0
    for start, end in visual.intervals(lambda o: o.faces == 0, 2.0)[:3]:
        fb.append(
            Feedback(
                "face", "warning", f"No face visible from {clock(start)} to {clock(end)}.", start
            )
        )
    multiple = visual.multiple_faces_ratio()
    if multiple > 0.2:
        penalty += 10
        fb.append(
            Feedback(
                "face",
                "suggestion",
                f"More than one face is visible in {multiple:.0%} of the frames.",
            )
        )
    framing = framing_of(visual)
    if framing is not None and framing.verdict != "good":
        penalty += 15 if framing.verdict == "too_far" else 10
        text = {
            "too_far": (
                f"Your face fills only {framing.face_height:.0%} of the picture height: "
                "sit closer to the camera."
            ),
            "too_close": (
                f"Your face fills {framing.face_height:.0%} of the picture height: "
                "move back a little."
            ),
            "off_centre": "Your face is off-centre: centre the camera on you.",
        }[framing.verdict]
        fb.append(Feedback("framing", "suggestion", text))
    lighting = lighting_of(visual)
    if lighting is not None and lighting.verdict != "good":
        penalty += 15 if lighting.verdict == "dark" else 10
        text = {
            "dark": "The picture is dark: add light in front of you.",
            "overexposed": "The picture is overexposed: reduce the light or the camera exposure.",
            "backlit": (
                "You are backlit (the background is much brighter than your face): face "
                "the light source."
            ),
        }[lighting.verdict]
        fb.append(Feedback("lighting", "suggestion", text))
    subs["presence"] = _clip(presence * 100 - penalty)
    details["presence"] = f"your face was in view {presence:.0%} of the time"


def _summary(score: float, subs: dict[str, float], details: dict[str, str], duration: float) -> str:
    ranked = sorted(subs.items(), key=lambda kv: -kv[1])
    strong = [f"{LABELS[k]} ({details.get(k, f'{v:.0f}')})" for k, v in ranked if v >= STRONG_AT][
        :2
    ]
    weak = [
        f"{LABELS[k]} ({details.get(k, f'{v:.0f}')})" for k, v in reversed(ranked) if v < WEAK_BELOW
    ][:2]
    parts = [f"Overall {score:.0f}/100 for {clock(duration)} of interview."]
    if strong:
        parts.append("Strong: " + "; ".join(strong) + ".")
    if weak:
        parts.append("To work on: " + "; ".join(weak) + ".")
    return " ".join(parts)
