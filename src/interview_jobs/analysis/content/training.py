"""Training and measuring the content models on the team's labelled data (``data/content/``).

Used by ``scripts/train_content.py`` (writes the shipped weights), ``bench/content_accuracy.py``
(held-out figures) and the tests; nothing in the analysis of a job imports it. The data format and
the held-out rule are described in ``data/content/README.md``; :func:`held_out` is that rule.

The classifiers are plain L2-regularised logistic regressions fitted by Newton's method with
NumPy (a few hundred features, a few hundred rows: no need for scikit-learn). The regularisation
strength and the per-component thresholds are chosen by cross-validation over the *training*
answers only (folds by answer, so that sentences of one answer never sit on both sides).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from interview_jobs.analysis.content import embed as embedding
from interview_jobs.analysis.content import relevance as relevance_model
from interview_jobs.analysis.content import star as star_model

LETTERS = {"S": "situation", "T": "task", "A": "action", "R": "result"}
FOLDS = 5
_HEADER = re.compile(r"^== (\S+) (\S+)\s*$")
_LINE = re.compile(r"^([STAR]+|-) \| (.+)$")

Array = NDArray[np.float32]


@dataclass(frozen=True)
class Sentence:
    text: str
    labels: frozenset[str]  # component names


@dataclass(frozen=True)
class Answer:
    id: str
    question_id: str  # a bank id, or "ramble"
    sentences: tuple[Sentence, ...]

    @property
    def text(self) -> list[str]:
        return [s.text for s in self.sentences]


@dataclass(frozen=True)
class Pair:
    question_id: str
    answer_id: str
    on_topic: bool


def _number(identifier: str) -> int:
    match = re.search(r"(\d+)$", identifier)
    if match is None:
        raise ValueError(f"{identifier!r} has no number")
    return int(match.group(1))


def held_out(answer_or_pair: Answer | Pair) -> bool:
    """The fixed split: held out when the bank question's number is divisible by 4 (a ramble: its
    own number). Held-out data is never used for training or for choosing thresholds."""
    if isinstance(answer_or_pair, Pair):
        return _number(answer_or_pair.question_id) % 4 == 0
    key = (
        answer_or_pair.id if answer_or_pair.question_id == "ramble" else answer_or_pair.question_id
    )
    return _number(key) % 4 == 0


def read_answers(directory: Path) -> list[Answer]:
    """Every answer of ``answers_*.txt`` in ``directory``; ``ValueError`` naming file and line for
    anything malformed."""
    answers: list[Answer] = []
    seen: set[str] = set()
    for path in sorted(directory.glob("answers_*.txt")):
        current: tuple[str, str] | None = None
        sentences: list[Sentence] = []
        for number, raw in enumerate(path.read_text("utf-8").splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if header := _HEADER.match(line):
                if current:
                    answers.append(Answer(*current, tuple(sentences)))
                current, sentences = (header.group(1), header.group(2)), []
                if current[0] in seen:
                    raise ValueError(f"{path.name}:{number}: answer {current[0]} appears twice")
                seen.add(current[0])
                continue
            item = _LINE.match(line)
            if item is None or current is None:
                raise ValueError(f"{path.name}:{number}: not 'LABELS | sentence': {line[:60]!r}")
            letters = "" if item.group(1) == "-" else item.group(1)
            labels = frozenset(LETTERS[c] for c in letters)
            sentences.append(Sentence(item.group(2).strip(), labels))
        if current:
            answers.append(Answer(*current, tuple(sentences)))
    if not answers:
        raise ValueError(f"no answers_*.txt with answers in {directory}")
    return answers


def read_pairs(directory: Path, answers: Iterable[Answer]) -> list[Pair]:
    known = {a.id for a in answers}
    pairs: list[Pair] = []
    path = directory / "relevance_pairs.tsv"
    for number, raw in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        parts = raw.split("\t")
        if len(parts) != 3 or parts[2] not in ("0", "1") or parts[1] not in known:
            raise ValueError(
                f"{path.name}:{number}: not 'questionId, known answerId, 0|1': {raw!r}"
            )
        pairs.append(Pair(parts[0], parts[1], parts[2] == "1"))
    return pairs


# --- logistic regression ---------------------------------------------------------------------


def fit_logistic(x: Array, y: NDArray[Any], l2: float, iterations: int = 30) -> tuple[Array, float]:
    """Coefficients and intercept of an L2-regularised logistic regression (Newton's method);
    the intercept is not penalised."""
    n, d = x.shape
    design = np.hstack([x.astype(np.float64), np.ones((n, 1))])
    target = y.astype(np.float64)
    w = np.zeros(d + 1)
    penalty = np.full(d + 1, l2)
    penalty[-1] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ w, -30, 30)))
        gradient = design.T @ (p - target) + penalty * w
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w[:-1].astype(np.float32), float(w[-1])


def f1(truth: NDArray[Any], predicted: NDArray[Any]) -> float:
    tp = float(np.sum(truth & predicted))
    fp = float(np.sum(~truth & predicted))
    fn = float(np.sum(truth & ~predicted))
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def roc_auc(labels: Sequence[bool], scores: Sequence[float]) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        raise ValueError("ROC AUC needs both positives and negatives")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return float(wins / (len(pos) * len(neg)))


def _best_threshold(truth: NDArray[Any], probs: NDArray[Any]) -> float:
    candidates = np.linspace(0.1, 0.9, 81)
    scores = [f1(truth, probs >= t) for t in candidates]
    return float(candidates[int(np.argmax(scores))])


# --- STAR --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StarData:
    x: Array  # features
    y: NDArray[np.bool_]  # (n, 4)
    groups: NDArray[np.int64]  # answer index per sentence


def star_data(answers: Sequence[Answer]) -> StarData:
    texts = [s.text for a in answers for s in a.sentences]
    vectors = embedding.embed(texts)
    x, start = [], 0
    for a in answers:
        x.append(star_model.features(a.text, vectors[start : start + len(a.sentences)]))
        start += len(a.sentences)
    y = np.array(
        [[c in s.labels for c in star_model.COMPONENTS] for a in answers for s in a.sentences],
        dtype=bool,
    )
    groups = np.array([i for i, a in enumerate(answers) for _ in a.sentences], dtype=np.int64)
    return StarData(np.vstack(x).astype(np.float32), y, groups)


def _standardise(x: Array) -> tuple[Array, Array]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    return mean.astype(np.float32), np.where(scale > 1e-6, scale, 1.0).astype(np.float32)


def _fit_stage(x: Array, y: NDArray[np.bool_], l2: Sequence[float]) -> star_model.Logistic:
    mean, scale = _standardise(x)
    z = (x - mean) / scale
    fitted = [fit_logistic(z, y[:, k], l2[k]) for k in range(y.shape[1])]
    return star_model.Logistic(
        mean=mean,
        scale=scale,
        coef=np.stack([c for c, _ in fitted]).astype(np.float32),
        intercept=np.array([b for _, b in fitted], dtype=np.float32),
    )


def _out_of_fold(
    x: Array, y: NDArray[np.bool_], groups: NDArray[np.int64], l2: Sequence[float]
) -> Array:
    probs = np.zeros(y.shape, dtype=np.float32)
    for fold in range(FOLDS):
        test = groups % FOLDS == fold
        probs[test] = _fit_stage(x[~test], y[~test], l2).probabilities(x[test])
    return probs


def _choose_l2(
    x: Array, y: NDArray[np.bool_], groups: NDArray[np.int64], grid: Sequence[float]
) -> tuple[list[float], Array, list[float]]:
    """Per component, the L2 strength whose out-of-fold F1 (at its best threshold) is highest;
    with those out-of-fold probabilities and F1s."""
    per_l2 = {l2: _out_of_fold(x, y, groups, [l2] * y.shape[1]) for l2 in grid}
    chosen: list[float] = []
    cv_f1: list[float] = []
    probs = np.zeros(y.shape, dtype=np.float32)
    for k in range(y.shape[1]):
        score, l2 = max(
            (f1(y[:, k], p[:, k] >= _best_threshold(y[:, k], p[:, k])), l2)
            for l2, p in per_l2.items()
        )
        chosen.append(l2)
        cv_f1.append(score)
        probs[:, k] = per_l2[l2][:, k]
    return chosen, probs, cv_f1


def _context(first_stage: Array, groups: NDArray[np.int64]) -> Array:
    """:func:`star.context_features` answer by answer (an answer's rows are contiguous)."""
    out = np.zeros((len(first_stage), star_model.SECOND_WIDTH), dtype=np.float32)
    for group in np.unique(groups):
        rows = np.flatnonzero(groups == group)
        out[rows] = star_model.context_features(first_stage[rows])
    return out


FIRST_L2_GRID = (10.0, 30.0, 100.0, 300.0)
SECOND_L2_GRID = (0.1, 0.3, 1.0, 3.0, 10.0)


def train_star(data: StarData) -> tuple[star_model.Weights, dict[str, Any]]:
    """Weights fitted on ``data`` (the training answers). The second stage learns from the first
    stage's out-of-fold probabilities (stacking), as it will see unseen sentences; L2 strengths and
    thresholds are chosen by cross-validation on the same data. Also returns what was chosen."""
    l2_first, oof_first, cv_first = _choose_l2(data.x, data.y, data.groups, FIRST_L2_GRID)
    z = _context(oof_first, data.groups)
    l2_second, oof_second, cv_second = _choose_l2(z, data.y, data.groups, SECOND_L2_GRID)
    thresholds = np.array(
        [_best_threshold(data.y[:, k], oof_second[:, k]) for k in range(data.y.shape[1])],
        dtype=np.float32,
    )
    weights = star_model.Weights(
        first=_fit_stage(data.x, data.y, l2_first),
        second=_fit_stage(z, data.y, l2_second),
        threshold=thresholds,
    )
    log = {
        "l2_first": l2_first,
        "l2_second": l2_second,
        "threshold": thresholds.tolist(),
        "cv_f1_first": cv_first,
        "cv_f1": cv_second,
    }
    return weights, log


def star_probabilities(weights: star_model.Weights, data: StarData) -> Array:
    probs = np.zeros(data.y.shape, dtype=np.float32)
    for group in np.unique(data.groups):
        rows = np.flatnonzero(data.groups == group)
        probs[rows] = weights.probabilities(data.x[rows])
    return probs


def star_scores(weights: star_model.Weights, data: StarData) -> dict[str, float]:
    """F1 per component and their mean (macro F1) of ``weights`` on ``data``, answer by answer."""
    predicted = star_probabilities(weights, data) >= weights.threshold
    scores = {c: f1(data.y[:, k], predicted[:, k]) for k, c in enumerate(star_model.COMPONENTS)}
    scores["macro"] = float(np.mean(list(scores.values())))
    return scores


# --- relevance ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RelevanceData:
    x: Array  # (m, len(FEATURES))
    y: NDArray[np.bool_]
    question_ids: list[str]


@dataclass(frozen=True)
class RelevanceVectors:
    """MiniLM vectors of the answers and the bank questions (and their key points), by id."""

    answers: dict[str, Array]
    questions: dict[str, Array]
    key_points: dict[str, Array]


def relevance_vectors(
    answers: Sequence[Answer], bank: Mapping[str, Mapping[str, Any]]
) -> RelevanceVectors:
    """``bank`` maps question id to ``{"text", "keyPoints"}``."""
    return RelevanceVectors(
        {a.id: embedding.embed(a.text) for a in answers},
        {qid: embedding.embed([q["text"]])[0] for qid, q in bank.items()},
        {qid: embedding.embed(list(q["keyPoints"])) for qid, q in bank.items()},
    )


def relevance_centres(
    vectors: RelevanceVectors, answer_ids: Iterable[str]
) -> relevance_model.Centres:
    """Mean vectors of the training answers' sentences, the bank's questions and key points."""
    return relevance_model.Centres(
        sentence=np.vstack([vectors.answers[i] for i in answer_ids]).mean(axis=0),
        question=np.stack(list(vectors.questions.values())).mean(axis=0),
        key_point=np.vstack(list(vectors.key_points.values())).mean(axis=0),
    )


def bank_others(
    vectors: RelevanceVectors, centres: relevance_model.Centres
) -> relevance_model.Others:
    """The whole bank, to contrast answers with (shipped with the weights)."""
    return relevance_model.Others.of(
        np.stack(list(vectors.questions.values())), list(vectors.key_points.values()), centres
    )


def relevance_data(
    pairs: Sequence[Pair],
    vectors: RelevanceVectors,
    centres: relevance_model.Centres,
    with_key_points: bool = True,
) -> RelevanceData:
    """Features of each pair, seen with the question's key points or with the question alone."""
    rows = []
    others = bank_others(vectors, centres)
    for pair in pairs:
        points = vectors.key_points[pair.question_id] if with_key_points else np.zeros((0, 384))
        rows.append(
            relevance_model.features(
                vectors.answers[pair.answer_id],
                vectors.questions[pair.question_id],
                points.astype(np.float32),
                centres,
                others,
            )
        )
    return RelevanceData(
        np.array(rows, dtype=np.float32),
        np.array([p.on_topic for p in pairs], dtype=bool),
        [p.question_id for p in pairs],
    )


def train_relevance(
    pairs: Sequence[Pair],
    vectors: RelevanceVectors,
    centres: relevance_model.Centres,
    l2: float = 1.0,
) -> relevance_model.Weights:
    """A logistic regression on the pairs' standardised features, each pair seen with and
    without its key points."""
    data = [relevance_data(pairs, vectors, centres, flag) for flag in (True, False)]
    x = np.vstack([d.x for d in data])
    y = np.concatenate([d.y for d in data])
    mean, scale = _standardise(x)
    coef, intercept = fit_logistic((x - mean) / scale, y, l2)
    others = bank_others(vectors, centres)
    return relevance_model.Weights(centres, others, mean, scale, coef, intercept)


def relevance_cv_auc(
    pairs: Sequence[Pair],
    vectors: RelevanceVectors,
    centres: relevance_model.Centres,
    l2: float = 1.0,
) -> float:
    """Mean ROC AUC over folds by question (number mod 5) of the training pairs."""
    aucs = []
    for fold in range(FOLDS):
        test = [p for p in pairs if _number(p.question_id) % FOLDS == fold]
        model = train_relevance(
            [p for p in pairs if _number(p.question_id) % FOLDS != fold], vectors, centres, l2
        )
        labels: list[bool] = []
        scores: list[float] = []
        for flag in (True, False):
            data = relevance_data(test, vectors, centres, flag)
            labels += [bool(v) for v in data.y]
            scores += [model.probability(row) for row in data.x]
        aucs.append(roc_auc(labels, scores))
    return float(np.mean(aucs))


def relevance_scores(weights: relevance_model.Weights, data: RelevanceData) -> dict[str, float]:
    """ROC AUC over all pairs, and the share of questions whose on-topic answer scores above
    their off-topic one."""
    probs = [weights.probability(row) for row in data.x]
    by_question: dict[str, dict[bool, list[float]]] = {}
    for q, y, p in zip(data.question_ids, data.y, probs, strict=True):
        by_question.setdefault(q, {True: [], False: []})[bool(y)].append(p)
    ordered = [
        float(on > off)
        for groups in by_question.values()
        for on in groups[True]
        for off in groups[False]
    ]
    return {
        "auc": roc_auc(list(data.y), probs),
        "same_question_order": float(np.mean(ordered)) if ordered else float("nan"),
    }
