"""Each answer assessed: its content (relevance, STAR structure, specificity, ownership, length,
repetition, closing), its delivery (the delivery rubric over the answer's span) and the feedback
tied to its times — the ``answers[]`` of the analysis object (docs/CONTRACT.md, docs/scoring.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from interview_jobs.analysis.content import embed, relevance, star
from interview_jobs.analysis.content.answers import Answer, Sentence, Split, is_spoken_word
from interview_jobs.analysis.content.measures import (
    closing,
    closing_score,
    length,
    length_score,
    ownership,
    ownership_score,
    repetition,
    repetition_score,
    specificity,
    specificity_score,
)
from interview_jobs.analysis.feedback import Feedback, duration_words
from interview_jobs.analysis.options import AnalysisOptions
from interview_jobs.analysis.scoring import (
    CONTENT_WEIGHTS,
    OFF_TOPIC_CAP,
    OFF_TOPIC_RELEVANCE,
    THIN_ANSWER_CAP,
    THIN_ANSWER_WORDS,
    combine,
    score_all,
    weighted_mean,
)
from interview_jobs.analysis.speech import SpeechFindings
from interview_jobs.analysis.text import analyze_text
from interview_jobs.analysis.visual import VisualFindings
from interview_jobs.analysis.voice import VoiceFindings

STAR = ("situation", "task", "action", "result")


@dataclass
class ContentModels:
    """The sentence models: ``embed(texts) -> n × d`` normalised rows; ``classify(sentences,
    embeddings)`` STAR probabilities per sentence with ``thresholds`` per component;
    ``relevance(sentences, question, key_points, embeddings)`` 0–1."""

    embed: Callable[[Sequence[str]], NDArray[Any]]
    classify: Callable[..., list[dict[str, float]]]
    thresholds: dict[str, float]
    relevance: Callable[..., float]


def remembering(models: ContentModels) -> ContentModels:
    """``models`` whose ``embed`` remembers each text's vector (the alignment and the answers
    embed the same sentences: once is enough)."""
    cache: dict[str, NDArray[Any]] = {}

    def embed(texts: Sequence[str]) -> NDArray[Any]:
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
        if missing:
            cache.update(zip(missing, models.embed(missing), strict=True))
        if not texts:
            return models.embed([])
        return np.stack([cache[t] for t in texts])

    return replace(models, embed=embed)


def load_content_models() -> ContentModels:
    """The content models (embed, star, relevance: analysis/content; weights load on first
    use)."""
    thresholds = {part: float(star.THRESHOLD[part]) for part in STAR}
    return ContentModels(embed.embed, star.classify, thresholds, relevance.relevance)


@dataclass
class AnswersFindings:
    split: Split
    answers: list[dict[str, Any]] = field(default_factory=list)
    content_score: float | None = None
    timings: dict[str, float] = field(default_factory=dict)


def answer_label(answer: Answer) -> str:
    return f"Q{answer.index + 1}" if answer.question is not None else "Your answer"


def assess_answers(
    split: Split,
    *,
    speech: SpeechFindings,
    voice: VoiceFindings | None,
    visual: VisualFindings | None,
    options: AnalysisOptions,
    models: ContentModels | None,
) -> AnswersFindings:
    started = time.perf_counter()
    found = AnswersFindings(split)
    scores: list[float] = []
    for answer in split.answers:
        item = _assess(answer, speech, voice, visual, options, models)
        found.answers.append(item)
        if item["contentScore"] is not None:
            scores.append(item["contentScore"])
    if scores:
        found.content_score = round(float(np.mean(scores)), 1)
    found.timings = {"content": time.perf_counter() - started}
    return found


def _question_json(question: dict[str, Any] | None) -> dict[str, Any] | None:
    if question is None:
        return None
    out: dict[str, Any] = {"text": question.get("text")}
    for key in ("id", "category", "form", "spokenText"):
        if question.get(key) is not None:
            out[key] = question[key]
    return out


def _assess(
    answer: Answer,
    speech: SpeechFindings,
    voice: VoiceFindings | None,
    visual: VisualFindings | None,
    options: AnalysisOptions,
    models: ContentModels | None,
) -> dict[str, Any]:
    sentences = answer.sentences
    spoken = [w for w in answer.words if is_spoken_word(w)]
    question = answer.question
    label = answer_label(answer)
    texts = [s.text for s in sentences]
    embeddings = models.embed(texts) if models is not None and texts else None

    star: dict[str, Any] | None = None
    actions: list[Sentence] | None = None
    results: list[Sentence] | None = None
    if models is not None:
        probabilities = models.classify(texts, embeddings) if texts else []
        star = {}
        for part in STAR:
            chosen = [
                s
                for s, p in zip(sentences, probabilities, strict=True)
                if p.get(part, 0.0) >= models.thresholds.get(part, 0.5)
            ]
            star[part] = {"present": bool(chosen), "sentences": [s.to_json() for s in chosen]}
        actions = [
            s
            for s, p in zip(sentences, probabilities, strict=True)
            if p.get("action", 0.0) >= models.thresholds.get("action", 0.5)
        ]
        results = [
            s
            for s, p in zip(sentences, probabilities, strict=True)
            if p.get("result", 0.0) >= models.thresholds.get("result", 0.5)
        ]

    relevance: float | None = None
    if models is not None and question is not None and question.get("text") and texts:
        relevance = round(
            float(
                models.relevance(
                    texts, str(question["text"]), list(question.get("keyPoints") or []), embeddings
                )
            ),
            3,
        )

    talk = (spoken[-1].end - spoken[0].start) if len(spoken) > 1 else 0.0
    target = question.get("lengthSeconds") if question else None
    measures = {
        "specificity": specificity(sentences),
        "ownership": ownership(sentences, actions),
        "length": length(answer.duration, len(spoken), target, talk),
        "repetition": repetition(sentences),
        "closing": closing(sentences, results),
    }
    form = question.get("form") if question else None
    parts: dict[str, float | None] = {
        "relevance": relevance * 100 if relevance is not None else None,
        "structure": (
            sum(25.0 for part in STAR if star[part]["present"])
            if star is not None and form != "free"
            else None
        ),
        "specificity": specificity_score(measures["specificity"]),
        "length": length_score(measures["length"]),
        "ownership": ownership_score(measures["ownership"]),
        "repetition": repetition_score(measures["repetition"]),
        "closing": closing_score(measures["closing"]),
    }
    content_score: float | None = weighted_mean(parts, CONTENT_WEIGHTS) if spoken else 0.0
    caps: list[str] = []
    if content_score is not None and relevance is not None and relevance < OFF_TOPIC_RELEVANCE:
        content_score = min(content_score, OFF_TOPIC_CAP)
        caps.append("off topic")
    if content_score is not None and len(spoken) < THIN_ANSWER_WORDS:
        content_score = min(content_score, THIN_ANSWER_CAP)
        caps.append("too few words")

    delivery, delivery_score, delivery_fb = _delivery(answer, speech, voice, visual, options)
    feedback = _content_feedback(label, answer, question, star, relevance, measures, spoken)
    feedback += delivery_fb
    content_score = round(content_score, 1) if content_score is not None else None
    out: dict[str, Any] = {
        "index": answer.index,
        "question": _question_json(question),
        "start": round(answer.start, 2),
        "end": round(answer.end, 2),
        "durationSeconds": round(answer.duration, 2),
    }
    if answer.speaker is not None:
        out["speaker"] = answer.speaker
    if answer.asked_at is not None:
        out["askedAt"] = round(answer.asked_at, 2)
    out.update(
        {
            "wordCount": len(spoken),
            "score": combine(delivery_score, content_score),
            "contentScore": content_score,
            "deliveryScore": delivery_score,
            "contentParts": {k: round(v, 1) for k, v in parts.items() if v is not None},
            "contentCaps": caps,
            "content": {"relevance": relevance, "star": star, **measures},
            "delivery": delivery,
            "feedback": [f.to_json() for f in feedback],
        }
    )
    return out


def _span_speech(speech: SpeechFindings, start: float, end: float, words: list[Any]) -> Any:
    segments = [
        (max(s, start), min(e, end)) for s, e in speech.speech_segments if e > start and s < end
    ]
    return SpeechFindings(words=words, speech_segments=segments, audio_seconds=end - start)


def _delivery(
    answer: Answer,
    speech: SpeechFindings,
    voice: VoiceFindings | None,
    visual: VisualFindings | None,
    options: AnalysisOptions,
) -> tuple[dict[str, Any], float | None, list[Feedback]]:
    """The delivery rubric over the answer's span (voice too: the frames inside it)."""
    sub_speech = _span_speech(speech, answer.start, answer.end, answer.words)
    sub_visual = None
    if visual is not None:
        sub_visual = VisualFindings(
            observations=[o for o in visual.observations if answer.start <= o.time < answer.end]
        )
    text = analyze_text(" ".join(w.text for w in answer.words if w.kind == "word"))
    scored = score_all(
        duration=answer.duration,
        options=options,
        speech=sub_speech,
        voice=voice.over([(answer.start, answer.end)]) if voice is not None else None,
        text=text,
        visual=sub_visual,
    )
    metrics = sub_speech.to_metrics(options, answer.duration) if answer.words else None
    delivery: dict[str, Any] = {
        "wordsPerMinute": metrics["wordsPerMinute"] if metrics else None,
        "fillerWords": {k: metrics["fillerWords"][k] for k in ("total", "perMinute", "byWord")}
        if metrics
        else {"total": 0, "perMinute": 0.0, "byWord": {}},
        "pauses": {k: metrics["pauses"][k] for k in ("count", "longestSeconds", "items")}
        if metrics
        else {"count": 0, "longestSeconds": 0.0, "items": []},
        "eyeContactRatio": round(sub_visual.eye_contact_ratio() or 0.0, 3)
        if sub_visual is not None and sub_visual.observations
        else None,
        "subScores": scored.sub_scores,
    }
    label = answer_label(answer)
    picked = [
        Feedback(f.category, f.severity, f"{label}: {f.message}", f.at_seconds)
        for f in scored.feedback
        if f.severity != "info" and f.category in ("pace", "fillers", "pauses", "eye_contact")
    ][:3]
    score = scored.score if scored.sub_scores else None
    return delivery, score, picked


def _content_feedback(
    label: str,
    answer: Answer,
    question: dict[str, Any] | None,
    star: dict[str, Any] | None,
    relevance: float | None,
    measures: dict[str, Any],
    spoken: list[Any],
) -> list[Feedback]:
    at = answer.start
    out: list[Feedback] = []
    if not spoken:
        out.append(Feedback("content", "warning", f"{label}: no answer was heard.", at))
        return out
    if relevance is not None and relevance < OFF_TOPIC_RELEVANCE:
        out.append(
            Feedback(
                "relevance",
                "warning",
                f"{label} seems to miss the question (relevance {relevance:.2f}): answer what "
                f"was asked — “{question['text'] if question else ''}”.",
                at,
            )
        )
    form = question.get("form") if question else None
    if star is not None and form != "free":
        missing = [part for part in STAR if not star[part]["present"]]
        if "result" in missing:
            out.append(
                Feedback(
                    "structure",
                    "suggestion",
                    f"Your answer to {label} has no Result: say what changed, with a number if "
                    "you can.",
                    at,
                )
            )
        others = [p for p in missing if p != "result"]
        if others:
            names = ", ".join(p.capitalize() for p in others)
            out.append(
                Feedback(
                    "structure",
                    "suggestion",
                    f"{label} lacks {names}: set the scene, say what you had to do and what "
                    "you did.",
                    at,
                )
            )
    measure = measures["length"]
    if measure["verdict"] != "good":
        lo, hi = measure["targetSeconds"]
        out.append(
            Feedback(
                "length",
                "suggestion",
                f"{label}: {duration_words(measure['seconds'])} — aim for "
                f"{duration_words(lo)}–{duration_words(hi)}.",
                at,
            )
        )
    spec = measures["specificity"]
    if spec["per100Words"] < 1.5 and len(spoken) >= 30:
        out.append(
            Feedback(
                "specificity",
                "suggestion",
                f"{label} has few specifics: add numbers, names of tools or teams, and when it "
                "happened.",
                at,
            )
        )
    own = measures["ownership"]
    if own["iShare"] is not None and own["iShare"] < 0.5 and own["we"] >= 3:
        out.append(
            Feedback(
                "ownership",
                "suggestion",
                f"{label}: “we” {own['we']} times, “I” {own['i']} — say what you did yourself.",
                at,
            )
        )
    rep = measures["repetition"]
    if rep["repeatedShare"] >= 0.08 and rep["phrases"]:
        top = rep["phrases"][0]
        out.append(
            Feedback(
                "repetition",
                "suggestion",
                f"{label} repeats itself (“{top['phrase']}” ×{top['count']}): say each point once.",
                top["at"][1] if len(top["at"]) > 1 else at,
            )
        )
    if measures["closing"]["endsWith"] == "other" and len(spoken) >= 30:
        out.append(
            Feedback(
                "closing",
                "suggestion",
                f"{label} ends without a result or a lesson: finish with what came of it.",
                answer.end,
            )
        )
    return out


@dataclass
class CandidateSpeech(SpeechFindings):
    """The candidate's part of a two-voice recording: their words and speech; a silence during
    which another voice speaks is not the candidate's pause, and pace counts their turns only."""

    turns: list[tuple[float, float]] = field(default_factory=list)
    others: list[tuple[float, float]] = field(default_factory=list)

    def pauses(self, min_seconds: float) -> list[tuple[float, float]]:
        return [
            (start, end)
            for start, end in super().pauses(min_seconds)
            if not any(s < end and e > start for s, e in self.others)
        ]

    def words_per_minute(self) -> float | None:
        talk = 0.0
        for start, end in self.turns:
            inside = [w for w in self.words if start - 0.5 <= w.start < end + 0.5]
            if len(inside) > 1:
                talk += inside[-1].end - inside[0].start
        if len(self.words) < 2 or talk < 1.0:
            return None
        return len(self.words) / (talk / 60.0)


def candidate_turns(speakers: Any) -> list[tuple[float, float]] | None:
    """The candidate's turns (start, end) when the speakers stage found several voices, else
    None (one voice: everything is the candidate's)."""
    if speakers is None or speakers.voices < 2 or speakers.candidate is None:
        return None
    return [(t.start, t.end) for t in speakers.turns if t.speaker == speakers.candidate]


def candidate_speech(speech: SpeechFindings, speakers: Any) -> SpeechFindings:
    """``speech`` restricted to the candidate when the speakers stage found several voices."""
    mine = candidate_turns(speakers)
    if mine is None:
        return speech
    others = [(t.start, t.end) for t in speakers.turns if t.speaker != speakers.candidate]
    words = [w for w in speech.words if speakers.speaker_of(w.start, w.end) == speakers.candidate]
    segments = [
        (max(s, a), min(e, b))
        for s, e in speech.speech_segments
        for a, b in mine
        if e > a and s < b
    ]
    return CandidateSpeech(
        words=words,
        speech_segments=sorted(segments),
        audio_seconds=speech.audio_seconds,
        timings={},
        turns=mine,
        others=others,
    )


def candidate_voice(voice: VoiceFindings, speakers: Any) -> VoiceFindings:
    """``voice`` over the candidate's turns when the speakers stage found several voices (the
    interviewer's pitch and loudness are not the candidate's)."""
    mine = candidate_turns(speakers)
    return voice if mine is None else voice.over(mine)
