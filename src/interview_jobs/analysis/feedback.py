"""The wording: feedback items tied to times and the plain-words helpers the summary uses.

The rubric (what scores what) is :mod:`interview_jobs.analysis.scoring`; this module only says it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Feedback:
    category: str
    severity: str  # info | suggestion | warning
    message: str
    at_seconds: float | None = None

    def to_json(self) -> dict[str, object]:
        item: dict[str, object] = {
            "category": self.category,
            "severity": self.severity,
            "message": self.message,
        }
        if self.at_seconds is not None:
            item["atSeconds"] = round(self.at_seconds, 2)
        return item


def clock(seconds: float) -> str:
    """01:23 (or 1:02:03 past an hour)."""
    s = round(seconds)
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def ordinal_minute(index: int) -> str:
    names = [
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "eighth",
        "ninth",
        "tenth",
    ]
    return f"the {names[index]} minute" if index < len(names) else f"minute {index + 1}"


def duration_words(seconds: float) -> str:
    """ "45 s", "2 min", "3 min 40 s" (for feedback a candidate reads)."""
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    m, rest = divmod(s, 60)
    return f"{m} min" if rest == 0 else f"{m} min {rest} s"


# The filler label of a hesitation heard in the sound but not written by Whisper.
HESITATION = "hesitation"


def filler_breakdown(fillers: list[str]) -> str:
    """Every filler with its count, so that the counts add up to the total: "“uh” ×2, “like” ×1
    and 2 hesitations heard without a word" (beyond four kinds, the rest as "N others")."""
    counts: dict[str, int] = {}
    for word in fillers:
        counts[word] = counts.get(word, 0) + 1
    heard = counts.pop(HESITATION, 0)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    parts = [f"“{w}” ×{n}" for w, n in ranked[:4]]
    rest = sum(n for _, n in ranked[4:])
    if rest:
        parts.append(f"{rest} other{'s' if rest != 1 else ''}")
    if heard:
        parts.append(f"{heard} hesitation{'s' if heard != 1 else ''} heard without a word")
    if len(parts) > 1:
        return ", ".join(parts[:-1]) + " and " + parts[-1]
    return parts[0] if parts else "none"


def hedging_words(per_100_words: float, put_downs: int) -> str:
    """The wording in plain words, for the summary."""
    if put_downs:
        return f"you put yourself down {put_downs} time{'s' if put_downs != 1 else ''}"
    if per_100_words <= 1.0:
        return "you rarely hedge with “I think” or “maybe”"
    return f"you hedge often (“I think”, “maybe”: {per_100_words:.1f} in every 100 words)"


# ---------------------------------------------------------------- the delivery feedback
# Each function words what the rubric (scoring.py) measured; it decides nothing about scores.
def no_speech() -> Feedback:
    return Feedback(
        "speech",
        "warning",
        "No speech was detected in the audio track, so pace, filler words, pauses and voice "
        "score 0.",
    )


def pace_items(
    wpm: float, good: tuple[float, float], odd_minutes: list[tuple[float, float, float, str]]
) -> list[Feedback]:
    """Overall pace, then each minute outside the flag range: (start, end, wpm, fast|slow)."""
    lo, hi = good
    if wpm < lo:
        out = [
            Feedback(
                "pace",
                "suggestion",
                f"You spoke at {wpm:.0f} words per minute; {lo:.0f}–{hi:.0f} is easy to follow "
                "and sounds confident.",
            )
        ]
    elif wpm > hi:
        out = [
            Feedback(
                "pace",
                "suggestion",
                f"You spoke at {wpm:.0f} words per minute, faster than the {lo:.0f}–{hi:.0f} "
                "that is easy to follow.",
            )
        ]
    else:
        out = [Feedback("pace", "info", f"Good pace: {wpm:.0f} words per minute.")]
    for start, end, rate, kind in odd_minutes:
        which = ordinal_minute(int(start // 60))
        out.append(
            Feedback(
                "pace",
                "suggestion",
                f"{rate:.0f} wpm in {which} ({clock(start)}–{clock(end)}): {kind}.",
                start,
            )
        )
    return out


def filler_items(
    events: list[tuple[str, float]], per_minute: float, severity: str
) -> list[Feedback]:
    """The fillers, every one counted (:func:`filler_breakdown`), and the minute with most."""
    if not events:
        return [Feedback("fillers", "info", "No filler words (um, uh, like, you know…) detected.")]
    n = len(events)
    out = [
        Feedback(
            "fillers",
            severity,
            f"{n} filler word{'s' if n != 1 else ''} ({per_minute:.1f} per minute): "
            f"{filler_breakdown([w for w, _ in events])}. First at {clock(events[0][1])}.",
            events[0][1],
        )
    ]
    by_minute: dict[int, int] = {}
    for _, t in events:
        by_minute[int(t // 60)] = by_minute.get(int(t // 60), 0) + 1
    worst, count = max(by_minute.items(), key=lambda kv: kv[1])
    if count >= 4 and len(by_minute) > 1:
        out.append(
            Feedback(
                "fillers",
                "suggestion",
                f"{count} filler words in {ordinal_minute(worst)} "
                f"({clock(worst * 60)}–{clock(worst * 60 + 60)}).",
                worst * 60.0,
            )
        )
    return out


def pause_items(
    long: list[tuple[float, float]], count: int, longest: float, warn_from: float
) -> list[Feedback]:
    """Each long pause, longest first (up to five), or the short ones as natural breaks."""
    out = []
    for start, end in sorted(long, key=lambda p: p[0] - p[1])[:5]:
        severity = "warning" if end - start >= warn_from else "suggestion"
        out.append(
            Feedback("pauses", severity, f"A {end - start:.1f} s pause at {clock(start)}.", start)
        )
    if not long and count:
        out.append(
            Feedback(
                "pauses",
                "info",
                f"{count} short pause{'s' if count > 1 else ''}, the longest {longest:.1f} s: "
                "natural breaks.",
            )
        )
    return out


def voice_items(
    semitones: float, mean_hz: float | None, dbfs: float | None, monotone: bool, quiet: bool
) -> list[Feedback]:
    around = f" around {mean_hz:.0f} Hz" if mean_hz else ""
    if monotone:
        out = [
            Feedback(
                "voice",
                "suggestion",
                f"Your pitch varies little ({semitones:.1f} semitones{around}): vary your "
                "intonation to sound more engaged.",
            )
        ]
    else:
        out = [
            Feedback(
                "voice",
                "info",
                f"Lively intonation: pitch varies by {semitones:.1f} semitones{around}.",
            )
        ]
    if quiet and dbfs is not None:
        out.append(
            Feedback(
                "voice",
                "suggestion",
                f"The voice is quiet ({dbfs:.0f} dBFS): move closer to the microphone or raise "
                "the input level.",
            )
        )
    return out


def language_items(
    hedges_per_100: float, hedges: dict[str, int], put_downs: list[str], many_hedges: bool
) -> list[Feedback]:
    out = []
    if many_hedges:
        top = ", ".join(f"“{h}” ×{n}" for h, n in list(hedges.items())[:3])
        out.append(
            Feedback(
                "language",
                "suggestion",
                f"Many hedging phrases ({hedges_per_100:.1f} per 100 words: {top}); state "
                "results with more confidence.",
            )
        )
    if put_downs:
        said = ", ".join(f"“{p}”" for p in dict.fromkeys(put_downs))
        out.append(
            Feedback(
                "language",
                "suggestion",
                f"You put yourself down ({said}): say what you can do and how you are getting "
                "better at the rest.",
            )
        )
    return out


def no_frames() -> Feedback:
    return Feedback("video", "warning", "No video frames could be decoded.")


def no_face() -> Feedback:
    return Feedback(
        "face",
        "warning",
        "No face was visible in the video: place the camera so that it shows your face.",
    )


def eye_contact_items(
    ratio: float, aim: float, warn_below: float, away: list[tuple[float, float]]
) -> list[Feedback]:
    """The eye-contact verdict ("good" only at the aim) and each look away, longest first."""
    if ratio < warn_below:
        out = [
            Feedback(
                "eye_contact",
                "warning",
                f"Eye contact only {ratio:.0%} of the time: look into the camera more.",
            )
        ]
    elif ratio < aim:
        out = [
            Feedback(
                "eye_contact",
                "suggestion",
                f"Eye contact {ratio:.0%} of the time; aim for {aim:.0%} or more.",
            )
        ]
    else:
        out = [Feedback("eye_contact", "info", f"Good eye contact: {ratio:.0%} of the time.")]
    for start, end in sorted(away, key=lambda iv: iv[0] - iv[1])[:3]:
        out.append(
            Feedback(
                "eye_contact",
                "suggestion",
                f"You looked away from {clock(start)} to {clock(end)} ({end - start:.0f} s).",
                start,
            )
        )
    return out


FRAMING_ADVICE = {
    "too_far": "Your face fills only {height:.0%} of the picture height: sit closer to the camera.",
    "too_close": "Your face fills {height:.0%} of the picture height: move back a little.",
    "off_centre": "Your face is off-centre: centre the camera on you.",
}
LIGHTING_ADVICE = {
    "dark": "The picture is dark: add light in front of you.",
    "overexposed": "The picture is overexposed: reduce the light or the camera exposure.",
    "backlit": (
        "You are backlit (the background is much brighter than your face): face the light source."
    ),
}


def presence_items(
    absent: list[tuple[float, float]],
    multiple: float | None,
    framing: tuple[str, float] | None,
    lighting: str | None,
) -> list[Feedback]:
    """Missing face, a second face, framing (verdict, face height) and lighting problems."""
    out = [
        Feedback("face", "warning", f"No face visible from {clock(s)} to {clock(e)}.", s)
        for s, e in absent[:3]
    ]
    if multiple is not None:
        out.append(
            Feedback(
                "face",
                "suggestion",
                f"More than one face is visible in {multiple:.0%} of the frames.",
            )
        )
    if framing is not None:
        verdict, height = framing
        out.append(Feedback("framing", "suggestion", FRAMING_ADVICE[verdict].format(height=height)))
    if lighting is not None:
        out.append(Feedback("lighting", "suggestion", LIGHTING_ADVICE[lighting]))
    return out


# ---------------------------------------------------------------- the summary
def summary(
    score: float,
    duration: float,
    strong: list[str],
    weak: list[str],
) -> str:
    """ "Overall 72/100 for 01:00 of interview. Strong: …. To work on: …." (each item a label with
    its measurement in plain words)."""
    parts = [f"Overall {score:.0f}/100 for {clock(duration)} of interview."]
    if strong:
        parts.append("Strong: " + "; ".join(strong) + ".")
    if weak:
        parts.append("To work on: " + "; ".join(weak) + ".")
    return " ".join(parts)


def nothing_found(duration: float) -> str:
    return f"Nothing to score in {clock(duration)} of media: no speech and no face were found."


MISSING_TRACK_SCORES = {
    "audio": "pace, filler words, pauses and voice",
    "video": "eye contact and on-camera presence",
}


def missing_tracks(missing: tuple[str, ...]) -> str:
    names = " and ".join(f"no {track} track" for track in missing)
    zeroed = " and ".join(MISSING_TRACK_SCORES[t] for t in missing)
    return f"The file has {names}: {zeroed} score 0."
