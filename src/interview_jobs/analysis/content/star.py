"""Which parts of STAR (Situation, Task, Action, Result) each sentence of an answer carries.

No packaged NLI or zero-shot model exists, so this is a small classifier of our own: one logistic
regression per part (multi-label: a sentence may carry two parts, or none) over the sentence's
MiniLM embedding (:mod:`.embed`) and a few cue features that embeddings see poorly — first-person
past-tense actions, "I would", result phrases ("as a result", "went down"), numbers and
percentages, task phrases ("my goal", "responsible for"), setting phrases ("at my last job",
"when I was"). Its weights (``data/star.npz``, a few kB) are built by ``scripts/train_content.py``
from the team's labelled sentences in ``data/content/``; :data:`THRESHOLD` holds, per part, the
probability above which the part counts as present, chosen on the training data by cross-validation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from interview_jobs.analysis.content import embed as embedding
from interview_jobs.analysis.errors import ModelError

COMPONENTS = ("situation", "task", "action", "result")
WEIGHTS_FILE = "star.npz"

_IRREGULAR_PAST = (  # noqa: SIM905 (a word list reads better as words)
    "began brought built bought caught chose came did drew drove fed felt fought found flew "
    "forgot gave got grew had heard held hid kept knew laid led left lent let lost made meant "
    "met paid put ran rang read rode rose said sat saw sent set shook shot showed shut sold "
    "sought spent spoke split spread stood stole stuck swore swept swam taught told thought "
    "threw took understood woke wore won wrote"
).split()
_PAST = r"(?:\w+ed|(?:re|over|under|mis)?(?:" + "|".join(_IRREGULAR_PAST) + r"))"
_SUBJECT = (
    r"\b(?:i|we|he|she|they)\b(?:\s+(?:then|also|just|first|finally|actually|basically|"
    r"quickly|immediately|eventually|personally|even|still|never|only|really|um|uh|like),?)*"
)
_NUMBER_WORDS = (
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|billion|half|third|quarter|"
    r"twice|double|doubled|tripled)\b"
)
# (name, pattern) in a fixed order: the trained weights are laid out in this order, and the weights
# file records the names so that a change here without retraining is an error, not a silent skew.
CUES: tuple[tuple[str, str], ...] = (
    ("past_action", _SUBJECT + r"\s+" + _PAST + r"\b"),
    (
        "would_action",
        r"\b(?:i'd|i would|we'd|we would|i will|i'll|i'm going to|i try to|i start)\b",
    ),
    ("sequence", r"\b(?:first|then|after that|next|so i|and i|i also|finally)\b"),
    (
        "result_phrase",
        r"\b(?:as a result|in the end|which meant|that meant|the result|resulted|outcome|"
        r"ended up|since then|since$|afterwards|after that|within (?:a|\w+) (?:week|month|year)s?|"
        r"went (?:up|down|from)|dropped|fell|increased|decreased|improved|reduced|saved|grew|"
        r"cut (?:the|our)|doubled|record|on time|ahead of|got promoted|was promoted|renewed|won)\b",
    ),
    ("learnt", r"\b(?:i learn(?:t|ed)|the lesson|taught me|i realised|i realized|looking back)\b"),
    ("number", r"\d|%|\bpercent\b|" + _NUMBER_WORDS),
    (
        "task_phrase",
        r"\b(?:my (?:goal|job|role|task|aim|responsibility|priority)|responsible for|in charge of|"
        r"i (?:had|needed|was asked|wanted|was supposed) to|it was (?:on me|my job)|"
        r"(?:was|were) asked to|had to (?:get|make|deliver|find|decide)|the goal was|our goal)\b"
        # what the sentences the first cues missed say (training answers' cross-validated errors)
        r"|\bi(?:'d| would)? (?:need|want)(?:ed)? to\b|\b(?:needed|need) to\b"
        r"|\bi (?:had|have|had only|only had) (?:\w+ )?(?:minutes|hours|days|weeks|months) to\b"
        r"|\bi wanted (?:us|them|everyone|the|my|it)\b|\bmy job (?:was|would be)\b"
        r"|\bit was my job\b|\bthe main thing (?:for me|was)\b"
        r"|\b(?:we|i) had to (?:agree|explain|tell|introduce|keep|finish)\b"
        # the Task handed to the speaker in other words ("I was expected to", "it fell to me",
        # "that landed on me": round 6's training answers, cross-validated errors)
        r"|\bi was (?:expected|told|meant|given) to\b|\b(?:fell|landed|came down) (?:to|on) me\b"
        r"|\b(?:was|is) (?:up to|on) me\b",
    ),
    # The Task handed over or taken on in the many other ways people say it ("my remit was", "the
    # brief from my manager was", "I was on the hook for", "the aim would be", "what I'd be trying
    # to do", "the owner wanted me to", "I owned"): round 7's training answers and the older
    # training answers' cross-validated errors. A cue of its own rather than more of task_phrase,
    # so that its weight is its own. With had_to_act (training answers' cross-validated F1, mean of
    # 6 ways of cutting the folds, on the answers before round 7 with round 7 in training):
    # situation 0.907 -> 0.911, task 0.887 -> 0.915, action 0.921 -> 0.932, result 0.902 -> 0.900.
    (
        "task_given",
        r"\b(?:tasked with|my remit|the brief|on the hook for|accountable for|i owned|i own the"
        r"|the (?:aim|challenge|point|idea|plan|target|ask|job)(?: for me| from \w+(?: \w+)?)? "
        r"(?:was|is|would be)"
        r"|my (?:plan|piece|bit|part|call|priority|focus|objective)(?: of it)? "
        r"(?:for|is|was|would be)"
        r"|(?:wanted|asked|needed|told|expected) me to|i'd been (?:asked|told|given)"
        r"|what i(?:'d| would| was)? (?:be )?(?:trying|after|aiming)|what (?:\w+ )?needed from me"
        r"|the (?:first|main|only) thing i'd (?:want|need)|i'd want (?:is|an?\b|to make sure)"
        r"|i(?:'d| had) (?:signed up|volunteered|promised|taken on|set myself)|the goal i"
        r"|i was (?:brought|put) in)\b",
    ),
    # An Action said as a duty ("I had to call them", "I had to go and sit them down", "I had to
    # ring round the agencies"): task_phrase's "i had to" pulled these towards Task.
    (
        "had_to_act",
        r"\b(?:i|we) (?:then |just |also )?had to (?:go and|go|call|ring|phone|email|chase|"
        r"sit (?:\w+ )*down|get \w+ (?:involved|in))\b",
    ),
    (
        "setting",
        r"\b(?:at my (?:last|previous|first|current|old) (?:job|company|role|team|work)|"
        r"when i (?:was|worked|joined|became|started|ran)|"
        r"in my (?:last|previous|first|current|old)|"
        r"(?:last|that|one) (?:year|spring|summer|autumn|winter|month|week|day)|"
        r"(?:a few|two|three|some) (?:years|months) ago|at the time|once|there was|we had|"
        r"i (?:was working|worked) (?:at|as|in|for)|during)\b"
        r"|\bas (?:a|an|the) \w+(?: \w+)?,|\bat (?:the|my|our) \w+(?: \w+)? (?:where|when) i\b"
        r"|\bour (?:team|company|shop|office) (?:was|were|had|kept)\b|\b(?:kept|started) \w+ing\b",
    ),
    ("hypothetical", r"\b(?:if|would|could|might)\b"),
    ("question_mark", r"\?"),
    (
        "filler_only",
        r"^(?:\W|um+|uh+|hmm+|so|yeah|okay|ok|well|like|you know|i mean|right|sure|oh)*$",
    ),
    (
        "self_talk",
        r"\b(?:i(?:'m| am) (?:a|very|really|pretty) |i (?:really )?(?:like|love)|my favourite|"
        r"good question|let me think|that's (?:me|it|basically)|i think i'm|i guess)\b",
    ),
)
_COMPILED = tuple((name, re.compile(pattern)) for name, pattern in CUES)
CUE_NAMES = tuple(name for name, _ in CUES)


def cue_features(sentence: str) -> NDArray[np.float32]:
    """The cue features of one sentence: one 0/1 per :data:`CUES`, then log word count."""
    text = " ".join(sentence.lower().replace("’", "'").split())
    values = [1.0 if pattern.search(text) else 0.0 for _, pattern in _COMPILED]
    values.append(float(np.log1p(len(text.split()))))
    return np.asarray(values, dtype=np.float32)


POSITION_NAMES = ("relative_position", "first", "last", "relative_position_squared")


def position_features(count: int) -> NDArray[np.float32]:
    """``(count, 4)``: where each sentence sits in its answer (openings set the scene, endings
    give results)."""
    rows = []
    for i in range(count):
        r = i / (count - 1) if count > 1 else 0.5
        rows.append([r, float(i == 0), float(i == count - 1), r * r])
    return np.asarray(rows, dtype=np.float32).reshape(count, len(POSITION_NAMES))


# The first stage's width: the embedding, the sentence's cues and log length, its position, then
# the cues and log length of the sentences before and after it.
FIRST_WIDTH = embedding.DIMENSION + 3 * (len(CUES) + 1) + len(POSITION_NAMES)


def features(sentences: Sequence[str], embeddings: NDArray[np.float32]) -> NDArray[np.float32]:
    """The first stage's input for the sentences of one answer, in order:
    ``(n, FIRST_WIDTH)`` — the embedding, the cue features, the position, and the neighbours'
    cue features ("I had two weeks to…" before "I asked…" is a task; seeing the neighbours' cues
    raised the training answers' cross-validated F1 of situation 0.874 -> 0.895 and task
    0.859 -> 0.868)."""
    if not sentences:
        return np.zeros((0, FIRST_WIDTH), dtype=np.float32)
    cues = np.stack([cue_features(s) for s in sentences])
    previous = np.zeros_like(cues)
    following = np.zeros_like(cues)
    previous[1:] = cues[:-1]
    following[:-1] = cues[1:]
    parts = [embeddings.astype(np.float32), cues, position_features(len(sentences))]
    return np.hstack([*parts, previous, following]).astype(np.float32)


# The second stage's width: the sentence's own first-stage probabilities and their log-odds, its
# neighbours' probabilities, the highest of the earlier sentences', and its position.
SECOND_WIDTH = 5 * len(COMPONENTS) + len(POSITION_NAMES)
# Log-odds are taken of probabilities clipped to [_EDGE, 1 - _EDGE] (-9.2 to 9.2).
_EDGE = 1e-4


def context_features(first_stage: NDArray[np.float32]) -> NDArray[np.float32]:
    """The second stage's input for one answer: each sentence's first-stage probabilities and
    their log-odds, its neighbours' probabilities, the highest of all earlier sentences' (once the
    actions have started, a scene is rarely set again), and its position — ``(n, SECOND_WIDTH)``.

    The log-odds are there because on the probability scale a sentence the first stage is sure is
    not an Action (0.01) looks almost like one it is unsure of (0.2), so position and neighbours
    outweighed it: a small-talk closing after a full answer ("Anyway, I really love the colour
    green.", first stage 0.010) came out as an Action at 0.64. With them (training answers'
    cross-validated F1, mean of 6 ways of cutting the folds, with the task cues of the same
    change) situation 0.892 -> 0.905, task 0.869 -> 0.886, action 0.919 -> 0.919, result
    0.900 -> 0.904; that closing scores 0.13 as an Action."""
    n = len(first_stage)
    clipped = np.clip(first_stage.astype(np.float64), _EDGE, 1.0 - _EDGE)
    log_odds = np.log(clipped / (1.0 - clipped))
    previous = np.zeros_like(first_stage)
    following = np.zeros_like(first_stage)
    earlier = np.zeros_like(first_stage)
    if n > 1:
        previous[1:] = first_stage[:-1]
        following[:-1] = first_stage[1:]
        earlier[1:] = np.maximum.accumulate(first_stage, axis=0)[:-1]
    parts = [first_stage, log_odds, previous, following, earlier, position_features(n)]
    return np.hstack(parts).astype(np.float32)


@dataclass(frozen=True)
class Logistic:
    """Logistic regressions (one per component) over standardised features."""

    mean: NDArray[np.float32]  # (d,)
    scale: NDArray[np.float32]  # (d,)
    coef: NDArray[np.float32]  # (4, d)
    intercept: NDArray[np.float32]  # (4,)

    def probabilities(self, x: NDArray[np.float32]) -> NDArray[np.float32]:
        z = ((x - self.mean) / self.scale) @ self.coef.T + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))), dtype=np.float32)


_STAGE_FIELDS = ("mean", "scale", "coef", "intercept")


@dataclass(frozen=True)
class Weights:
    """Two stacked stages: per sentence (:func:`features`), then with its neighbours'
    first-stage probabilities (:func:`context_features`); a threshold per component."""

    first: Logistic
    second: Logistic
    threshold: NDArray[np.float32]  # (4,)

    def probabilities(self, x: NDArray[np.float32]) -> NDArray[np.float32]:
        """Probabilities for the sentences of one answer (rows of :func:`features`, in order)."""
        return self.second.probabilities(context_features(self.first.probabilities(x)))

    def save(self, path: Any) -> None:
        arrays = {
            f"{stage}_{field}": getattr(getattr(self, stage), field)
            for stage in ("first", "second")
            for field in _STAGE_FIELDS
        }
        np.savez(
            path,
            **arrays,
            threshold=self.threshold,
            components=np.array(COMPONENTS),
            cues=np.array(CUE_NAMES),
        )


def load_weights(path: Any) -> Weights:
    """Weights from a ``.npz`` written by :meth:`Weights.save`; :class:`ModelError` if it does
    not fit this module (other components or cue features: retrain)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if tuple(data["components"]) != COMPONENTS or tuple(data["cues"]) != CUE_NAMES:
                raise ValueError("made for other components or cue features; retrain")
            first, second = (
                Logistic(**{f: data[f"{stage}_{f}"].astype(np.float32) for f in _STAGE_FIELDS})
                for stage in ("first", "second")
            )
            weights = Weights(first, second, data["threshold"].astype(np.float32))
    except (OSError, KeyError, ValueError) as exc:
        raise ModelError(f"The STAR weights {path} are not usable: {exc}", "model_invalid") from exc
    d1 = FIRST_WIDTH
    d2 = SECOND_WIDTH
    k = len(COMPONENTS)
    if (
        weights.first.coef.shape != (k, d1)
        or weights.first.mean.shape != (d1,)
        or weights.second.coef.shape != (k, d2)
        or weights.threshold.shape != (k,)
    ):
        raise ModelError(f"The STAR weights {path} have the wrong shape", "model_invalid")
    return weights


# The shipped weights, loaded on first use.
weights = embedding.shipped(WEIGHTS_FILE, load_weights)


def _thresholds() -> dict[str, float]:
    try:
        loaded = weights()
    except ModelError:
        return {}  # a broken install: classify() raises the ModelError that says so
    return {name: float(t) for name, t in zip(COMPONENTS, loaded.threshold, strict=True)}


# Per component, the probability above which it counts as present: a plain dict, read with the
# weights (14 kB) when this module is imported.
THRESHOLD: dict[str, float] = _thresholds()


def classify(
    sentences: Sequence[str], embeddings: NDArray[np.float32] | None = None
) -> list[dict[str, float]]:
    """Per sentence of one answer (in the order spoken), the probability (0–1) of each of
    ``situation``, ``task``, ``action`` and ``result``. ``embeddings`` are the sentences'
    :func:`.embed.embed` vectors when the caller already has them (computed otherwise). A part is
    present where its probability is at least :data:`THRESHOLD` for it. The sentences' order and
    neighbours count: pass one answer at a time."""
    if isinstance(sentences, str):
        raise TypeError("classify() takes a sequence of sentences, not one string")
    if not sentences:
        return []
    vectors = embedding.embed(sentences) if embeddings is None else embeddings
    if vectors.shape != (len(sentences), embedding.DIMENSION):
        raise ValueError(
            f"embeddings have shape {vectors.shape}, expected ({len(sentences)}, "
            f"{embedding.DIMENSION})"
        )
    probs = weights().probabilities(features(sentences, vectors))
    return [
        {name: round(float(p), 4) for name, p in zip(COMPONENTS, row, strict=True)} for row in probs
    ]
