"""The interview's answers: where each one starts and ends, to which question, and its sentences.

:func:`split_answers` cuts the recording into answers (docs/scoring.md, "Answers"), by the first
rule that applies:

1. **Two voices** (the speakers stage found them): the interviewer's turns are the questions —
   their words are the question text, a question is never made up — and the candidate's turns up
   to the next question are its answer. Given questions are matched to the asked ones (by their
   times when they have them, else by their words) so that the bank's id, key points and length
   come along. A short reply to a turn that is none of them (small talk, a quick follow-up) is
   not an answer (:func:`_without_small_talk`).
2. **Question times given** (every question has ``startSeconds``): each answer runs from its
   question's time to the next question's.
3. **Questions without times, one voice**: the questions are aligned to the transcript in order
   (:func:`align_questions`): an answer starts at a sentence that repeats its question, or after
   a long pause, where the sentences that follow are about that question. When no alignment is
   confident the whole recording is the first question's answer and the split says so.
4. **No questions, one voice**: one answer, the whole recording, with no question.

Questions arrive as the plain dicts of ``interview_jobs.contracts.questions.resolve()``
(``text, id, category, form, keyPoints, lengthSeconds, startSeconds``); this module does not
import the contracts (the analysis is a library of its own).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from interview_jobs.analysis.fillers import Word, hesitation_label, normalize
from interview_jobs.analysis.scoring import THIN_ANSWER_WORDS
from interview_jobs.analysis.text import FUNCTION_WORDS

# A sentence ends at . ? ! — or, where Whisper wrote none, at a silence this long between words …
SENTENCE_GAP_SECONDS = 1.2
# … or after this many words (an unpunctuated stream is still cut into sentences).
MAX_SENTENCE_WORDS = 40
# One-voice alignment: a silence at least this long is a likely boundary between two answers.
ANSWER_PAUSE_SECONDS = 2.0
# An alignment is confident when every question's answer is more similar to its own question
# than to the others (by at least this margin of the similarity) or begins by repeating it.
ALIGN_MARGIN = 0.02
# A sentence repeats a question when its similarity to it is at least this (lexical: share of
# the question's content words said; embeddings: cosine).
REPEAT_SIMILARITY = 0.6
# Candidate speech before the first question shorter than this is a greeting, not an answer.
MIN_UNPROMPTED_WORDS = 8

METHOD_SPEAKERS = "speakers"
METHOD_TIMES = "question times"
METHOD_ALIGNED = "aligned to the transcript"
METHOD_WHOLE = "whole recording"

_END_RE = re.compile(r"[.?!…]+[\"')\]]*$")
_TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# the wording's function words, and the words of asking ("tell us about a time … one …")
_FUNCTION_WORDS = FUNCTION_WORDS | {"one", "tell", "time", "us"}

Similarity = Callable[[Sequence[str], Sequence[str]], NDArray[np.float64]]


@dataclass(frozen=True)
class Sentence:
    """A sentence of the transcript with the times of its first and last word."""

    text: str
    start: float
    end: float
    words: int

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "start": round(self.start, 2), "end": round(self.end, 2)}


@dataclass
class Answer:
    """One answer: its span, its question (None when unknown) and its words."""

    index: int
    question: dict[str, Any] | None
    start: float
    end: float
    speaker: str | None = None  # "candidate" when the recording has two voices
    asked_at: float | None = None  # when the question was asked (interviewer's turn / time)
    words: list[Word] = field(default_factory=list)

    @property
    def sentences(self) -> list[Sentence]:
        return sentences_of(self.words)

    @property
    def duration(self) -> float:
        return max(0.0, self.end - self.start)


@dataclass
class Split:
    """The answers and how they were found (``confident`` False: the alignment was a guess)."""

    answers: list[Answer]
    method: str
    confident: bool = True
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method, "confident": self.confident}
        if self.note:
            out["note"] = self.note
        return out


def is_spoken_word(word: Word) -> bool:
    """A word that carries meaning: not a hesitation marker, not um/uh/er/hmm."""
    if word.kind != "word":
        return False
    return hesitation_label(normalize(word.text)) is None


def sentences_of(words: Sequence[Word]) -> list[Sentence]:
    """Sentences from the transcript's words, without hesitations, each with its times."""
    out: list[Sentence] = []
    current: list[Word] = []

    def close() -> None:
        if current:
            text = " ".join(w.text.strip() for w in current).strip()
            out.append(Sentence(text, current[0].start, current[-1].end, len(current)))
            current.clear()

    spoken = [w for w in words if is_spoken_word(w)]
    for i, word in enumerate(spoken):
        if current and word.start - current[-1].end >= SENTENCE_GAP_SECONDS:
            close()
        current.append(word)
        ends = bool(_END_RE.search(word.text.strip()))
        if ends or len(current) >= MAX_SENTENCE_WORDS or i == len(spoken) - 1:
            close()
    return out


def content_tokens(text: str) -> list[str]:
    """Lower-case words of ``text`` without function words."""
    tokens = _TOKEN_RE.findall(text.lower().replace("’", "'"))
    return [t for t in tokens if t not in _FUNCTION_WORDS]


def lexical_similarity(questions: Sequence[str], sentences: Sequence[str]) -> NDArray[np.float64]:
    """Share of each question's content words that each sentence says (questions × sentences).

    What a sentence that repeats the question has; an answer in other words scores low, which
    is why the pipeline prefers embedding similarity (:func:`embedding_similarity`)."""
    out = np.zeros((len(questions), len(sentences)))
    sentence_sets = [set(content_tokens(s)) for s in sentences]
    for i, question in enumerate(questions):
        wanted = set(content_tokens(question))
        if not wanted:
            continue
        for j, said in enumerate(sentence_sets):
            out[i, j] = len(wanted & said) / len(wanted)
    return out


def embedding_similarity(
    embed: Callable[[Sequence[str]], NDArray[Any]],
) -> Similarity:
    """Cosine similarity of normalised sentence embeddings (``embed`` returns n × d rows)."""

    def similarity(questions: Sequence[str], sentences: Sequence[str]) -> NDArray[np.float64]:
        if not questions or not sentences:
            return np.zeros((len(questions), len(sentences)))
        vectors = np.asarray(embed([*questions, *sentences]), dtype=np.float64)
        q, s = vectors[: len(questions)], vectors[len(questions) :]
        return np.asarray(q @ s.T, dtype=np.float64)

    return similarity


# ---------------------------------------------------------------- splitting
def split_answers(
    words: Sequence[Word],
    duration: float,
    questions: Sequence[Mapping[str, Any]] | None,
    speakers: Any = None,
    similarity: Similarity = lexical_similarity,
) -> Split:
    """The answers of a recording (module docstring). ``speakers`` is the speakers stage's
    ``SpeakerFindings`` (or None); ``duration`` the recording's length in seconds."""
    given = [dict(q) for q in questions or []]
    words = list(words)
    if speakers is not None and speakers.voices >= 2 and speakers.candidate is not None:
        return _by_speakers(words, given, speakers, similarity)
    if given and all(q.get("startSeconds") is not None for q in given):
        times = [float(q["startSeconds"]) for q in given]
        return Split(_spans(words, given, times, duration), METHOD_TIMES)
    if given:
        return align_questions(words, given, duration, similarity)
    end = max(duration, words[-1].end if words else 0.0)
    return Split([Answer(0, None, 0.0, end, words=words)], METHOD_WHOLE)


def _spans(
    words: Sequence[Word],
    questions: Sequence[dict[str, Any]],
    times: Sequence[float],
    duration: float,
) -> list[Answer]:
    """Answer i from ``times[i]`` to ``times[i + 1]`` (the last one to the end)."""
    end_of_all = max(duration, words[-1].end if words else 0.0)
    answers = []
    for i, question in enumerate(questions):
        start = times[i]
        end = times[i + 1] if i + 1 < len(times) else end_of_all
        inside = [w for w in words if start <= (w.start + w.end) / 2 < end]
        answers.append(Answer(i, question, start, end, asked_at=start, words=inside))
    return answers


def align_questions(
    words: Sequence[Word],
    questions: Sequence[dict[str, Any]],
    duration: float,
    similarity: Similarity = lexical_similarity,
) -> Split:
    """Questions in order over a one-voice transcript (rule 3 of the module docstring).

    Answer boundaries are chosen among sentence starts by dynamic programming, maximising the
    summed similarity of each sentence to the question it falls under, plus a bonus where an
    answer's first sentence repeats its question or follows a long pause. Questions that carry
    a time are fixed there."""
    sentences = sentences_of(words)
    n = len(questions)
    end_of_all = max(duration, words[-1].end if words else 0.0)
    fixed = [q.get("startSeconds") for q in questions]
    if n == 1 or len(sentences) < n:
        return _fallback(words, questions, end_of_all, sentences, n)
    texts = [str(q.get("text") or "") for q in questions]
    sim = similarity(texts, [s.text for s in sentences])
    gaps = [0.0] + [sentences[j].start - sentences[j - 1].end for j in range(1, len(sentences))]
    pause_bonus = np.array([0.15 if g >= ANSWER_PAUSE_SECONDS else 0.0 for g in gaps])
    m = len(sentences)
    # prefix sums of each question's similarity over sentences
    prefix = np.concatenate([np.zeros((n, 1)), np.cumsum(sim, axis=1)], axis=1)

    def allowed(i: int, j: int) -> bool:
        """May question i start at sentence j (its given time, if any, fixes it)?"""
        t = fixed[i]
        if t is None:
            return True
        first = next((k for k, s in enumerate(sentences) if s.end > float(t)), m - 1)
        return j == first

    def segment(i: int, a: int, b: int) -> float:
        # each sentence counts for the question it is under: the sum, not the mean, so that
        # a sentence goes to the question it is most similar to (the order kept)
        total = prefix[i, b] - prefix[i, a]
        repeat = 0.3 if sim[i, a] >= REPEAT_SIMILARITY else 0.0
        return float(total + repeat + pause_bonus[a] * (a > 0))

    neg = -1e9
    best = np.full((n + 1, m + 1), neg)
    back = np.zeros((n + 1, m + 1), dtype=int)
    best[0, 0] = 0.0
    for i in range(n):
        for b in range(i + 1, m + 1):
            for a in range(i, b):
                if best[i, a] <= neg / 2 or not allowed(i, a) or (i == 0 and a != 0):
                    continue
                value = best[i, a] + segment(i, a, b)
                if value > best[i + 1, b]:
                    best[i + 1, b], back[i + 1, b] = value, a
    if best[n, m] <= neg / 2:
        return _fallback(words, questions, end_of_all, sentences, n)
    starts = [0] * n
    b = m
    for i in range(n, 0, -1):
        starts[i - 1] = int(back[i, b])
        b = starts[i - 1]
    bounds = [*starts, m]
    confident = True
    for i in range(n):
        a, b = bounds[i], bounds[i + 1]
        own = float(sim[i, a:b].mean())
        others = [float(sim[k, a:b].mean()) for k in range(n) if k != i]
        repeats = sim[i, a] >= REPEAT_SIMILARITY
        if not repeats and others and own < max(others) + ALIGN_MARGIN:
            confident = False
    if not confident:
        return _fallback(words, questions, end_of_all, sentences, n)
    times = [0.0 if i == 0 else sentences[starts[i]].start for i in range(n)]
    for i, t in enumerate(fixed):
        if t is not None:
            times[i] = float(t)
    answers = _spans(words, list(questions), times, end_of_all)
    for answer, t in zip(answers, fixed, strict=True):
        answer.asked_at = float(t) if t is not None else None
    return Split(answers, METHOD_ALIGNED)


def _fallback(
    words: Sequence[Word],
    questions: Sequence[dict[str, Any]],
    end: float,
    sentences: Sequence[Sentence],
    n: int,
) -> Split:
    first = questions[0]
    start = float(first.get("startSeconds") or 0.0)
    answer = Answer(
        0, first, start, end, words=[w for w in words if (w.start + w.end) / 2 >= start]
    )
    if n == 1:
        return Split([answer], METHOD_WHOLE)
    why = (
        f"only {len(sentences)} sentence{'s' if len(sentences) != 1 else ''} for {n} questions"
        if len(sentences) < n
        else "the answers could not be told apart"
    )
    note = (
        f"The {n} questions could not be placed in the recording with confidence ({why}): the "
        "whole recording is taken as the answer to the first question. Give each question's "
        "start time for a per-question analysis."
    )
    return Split([answer], METHOD_WHOLE, confident=False, note=note)


def _by_speakers(
    words: Sequence[Word],
    given: Sequence[dict[str, Any]],
    speakers: Any,
    similarity: Similarity,
) -> Split:
    """Interviewer turns are the questions, the candidate's turns up to the next one the answer."""
    candidate = speakers.candidate
    owner = [speakers.speaker_of(w.start, w.end) for w in words]
    blocks: list[tuple[bool, float, float, list[Word]]] = []  # (is_candidate, start, end, words)
    for turn in speakers.turns:
        mine = turn.speaker == candidate
        inside = [
            w
            for w, who in zip(words, owner, strict=True)
            if who == turn.speaker and turn.start - 0.5 <= (w.start + w.end) / 2 < turn.end + 0.5
        ]
        if blocks and blocks[-1][0] == mine:
            was = blocks[-1]
            blocks[-1] = (mine, was[1], turn.end, was[3] + inside)
        else:
            blocks.append((mine, turn.start, turn.end, inside))
    answers: list[Answer] = []
    asked: list[tuple[str, float] | None] = []  # question text and time, per answer
    pending: tuple[str, float] | None = None
    for mine, start, end, inside in blocks:
        if not mine:
            text = " ".join(w.text.strip() for w in inside if is_spoken_word(w)).strip()
            pending = (text, start) if text else None
            continue
        if (
            pending is None
            and answers == []
            and sum(map(is_spoken_word, inside)) < (MIN_UNPROMPTED_WORDS)
        ):
            continue
        # the span covers the words (Whisper's last word may end a little after the VAD's turn)
        if inside:
            start, end = min(start, inside[0].start), max(end, inside[-1].end)
        answers.append(Answer(len(answers), None, start, end, "candidate", None, inside))
        asked.append(pending)
        pending = None
    matches = _match_given(asked, given, similarity)
    for answer, spoken, match in zip(answers, asked, matches, strict=True):
        if spoken is None:
            continue
        text, at = spoken
        answer.asked_at = at
        question: dict[str, Any] = dict(match) if match is not None else {"text": text}
        if match is not None:
            question["spokenText"] = text
        answer.question = question
    return _without_small_talk(answers)


def _without_small_talk(answers: list[Answer]) -> Split:
    """The two-voice answers less the short replies to what the interviewer said that is none of
    the job's questions: small talk or a quick follow-up ("Shall we start?" "Yes, of course.";
    "For how long?" "About five years."), too few words (under ``THIN_ANSWER_WORDS``) to judge
    as an answer. Their words stay in the transcript and the whole recording's delivery; the
    split's note says what was left out. When every reply is that short, all are answers."""

    def small_talk(answer: Answer) -> bool:
        question = answer.question
        return (
            question is not None
            and "spokenText" not in question  # not matched to one of the job's questions
            and sum(map(is_spoken_word, answer.words)) < THIN_ANSWER_WORDS
        )

    left_out = [a for a in answers if small_talk(a)]
    if not left_out or len(left_out) == len(answers):
        return Split(answers, METHOD_SPEAKERS)
    kept = [a for a in answers if not small_talk(a)]
    for index, answer in enumerate(kept):
        answer.index = index
    asked = ", ".join(f"“{a.question['text']}”" for a in left_out if a.question)
    replies = "reply" if len(left_out) == 1 else "replies"
    note = (
        f"{len(left_out)} short {replies} (under {THIN_ANSWER_WORDS} words) to the interviewer "
        f"not judged as answers: {asked}."
    )
    return Split(kept, METHOD_SPEAKERS, note=note)


def _match_given(
    asked: Sequence[tuple[str, float] | None],
    given: Sequence[dict[str, Any]],
    similarity: Similarity,
) -> list[dict[str, Any] | None]:
    """For each asked question, the given question it is (in order), or None."""
    out: list[dict[str, Any] | None] = [None] * len(asked)
    spoken = [(i, s) for i, s in enumerate(asked) if s is not None]
    if not given or not spoken:
        return out
    if all(q.get("startSeconds") is not None for q in given):
        # by time: the asked question nearest each given time (within 10 s)
        for question in given:
            t = float(question["startSeconds"])
            i, (_, at) = min(spoken, key=lambda item: abs(item[1][1] - t))
            if abs(at - t) <= 10.0 and out[i] is None:
                out[i] = question
        return out
    if len(given) == len(spoken):
        for (i, _), question in zip(spoken, given, strict=True):
            out[i] = question
        return out
    sim = similarity([str(q.get("text") or "") for q in given], [s[0] for _, s in spoken])
    k = 0  # in order: each given question goes to the best later asked one
    for g, question in enumerate(given):
        if k >= len(spoken):
            break
        j = k + int(np.argmax(sim[g, k:]))
        if sim[g, j] >= 0.3:
            out[spoken[j][0]] = question
            k = j + 1
    return out
