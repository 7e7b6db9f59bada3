"""Accuracy and cost of the content models on the held-out part of the team's labels.

Prints, measured in this run on ``data/content/``'s held-out answers and pairs (never used for
training or thresholds; rule in data/content/README.md), with the shipped weights:

- STAR: F1 per component (situation, task, action, result) and macro F1 (target >= 0.85);
- relevance: ROC AUC of on-topic vs off-topic answers to the same held-out questions, with the
  bank's key points and without them (a typed question), and the share of questions whose
  on-topic answer scores above their off-topic one (target AUC >= 0.90);
- cost: embedding + STAR + relevance per held-out answer (ms, wall and CPU), and embedding the
  ~150 sentences of a 10-minute interview, against the content stage's budget (10% of a 10-minute
  analysis, ~6 s). The machine may be shared: its load average is printed, and CPU time beside
  wall time.

    .venv/bin/python bench/content_accuracy.py
    .venv/bin/python bench/content_accuracy.py --also answers_round7_heldout.txt

``--also FILE`` (repeatable) prints the STAR figures of that file's held-out answers as well, e.g.
a newly written held-out part beside the whole split.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from interview_jobs.analysis.content import embed, relevance, star, training  # noqa: E402
from interview_jobs.contracts.questions import bank  # noqa: E402

DATA = ROOT / "data" / "content"
BUDGET_SECONDS = 6.0
TARGET_F1 = 0.85
TARGET_AUC = 0.90


def mark(value: float, target: float) -> str:
    return "meets" if value >= target else "BELOW"


def file_answer_ids(path: Path) -> set[str]:
    """The ids of the answers written in one ``answers_*.txt`` file."""
    headers = (re.match(r"^== (\S+) ", line) for line in path.read_text("utf-8").splitlines())
    return {m.group(1) for m in headers if m}


def star_report(held_answers: list[training.Answer], label: str) -> None:
    if not held_answers:
        print(f"\nSTAR: no {label}")
        return
    data = training.star_data(held_answers)
    scores = training.star_scores(star.weights(), data)
    positives = {c: int(data.y[:, k].sum()) for k, c in enumerate(star.COMPONENTS)}
    print(
        f"\nSTAR on {len(held_answers)} {label}, {len(data.y)} sentences "
        f"(positives: {', '.join(f'{c} {n}' for c, n in positives.items())})"
    )
    for name in star.COMPONENTS:
        print(f"  {name:9s} F1 {scores[name]:.3f}   threshold {star.THRESHOLD[name]:.2f}")
    print(f"  macro F1 {scores['macro']:.3f}  ({mark(scores['macro'], TARGET_F1)} {TARGET_F1})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--also",
        action="append",
        default=[],
        metavar="FILE",
        help="also print the STAR figures of this answers file's held-out answers",
    )
    args = parser.parse_args()
    answers = training.read_answers(DATA)
    pairs = training.read_pairs(DATA, answers)
    held_answers = [a for a in answers if training.held_out(a)]
    held_pairs = [p for p in pairs if training.held_out(p)]
    questions = {q.id: {"text": q.text, "keyPoints": list(q.key_points)} for q in bank()}
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

    t0 = time.perf_counter()
    embed.embed(["warm up"])
    star.weights()
    relevance.weights()
    relevance.relevance(["warm up"], "Tell me about yourself.")
    print(f"model load (once per process): {time.perf_counter() - t0:.2f} s")

    star_report(held_answers, "held-out answers")
    for name in args.also:
        ids = file_answer_ids(DATA / name)
        star_report([a for a in held_answers if a.id in ids], f"held-out answers of {name}")

    weights = relevance.weights()
    print(
        f"\nrelevance on {len(held_pairs)} held-out pairs "
        f"({sum(p.on_topic for p in held_pairs)} on topic) over "
        f"{len({p.question_id for p in held_pairs})} questions"
    )
    pair_vectors = training.relevance_vectors(answers, questions)
    for flag, label in ((True, "with key points"), (False, "question only")):
        figures = training.relevance_scores(
            weights, training.relevance_data(held_pairs, pair_vectors, weights.centres, flag)
        )
        print(
            f"  {label:16s} ROC AUC {figures['auc']:.3f} ({mark(figures['auc'], TARGET_AUC)} "
            f"{TARGET_AUC}); on-topic above off-topic for the same question: "
            f"{figures['same_question_order']:.1%}"
        )

    print("\ncost per held-out answer (embed + STAR + relevance, key points cached per question)")
    walls, cpus = [], []
    for answer in held_answers:
        question = questions.get(
            answer.question_id, {"text": "Tell me about yourself.", "keyPoints": []}
        )
        w0, c0 = time.perf_counter(), time.process_time()
        vectors = embed.embed(answer.text)
        star.classify(answer.text, vectors)
        relevance.relevance(
            answer.text, str(question["text"]), list(question["keyPoints"]), vectors
        )
        walls.append((time.perf_counter() - w0) * 1000)
        cpus.append((time.process_time() - c0) * 1000)
    sizes = [len(a.sentences) for a in held_answers]
    print(
        f"  {statistics.mean(sizes):.1f} sentences on average: median "
        f"{statistics.median(walls):.0f} ms wall, {statistics.median(cpus):.0f} ms CPU "
        f"(max {max(walls):.0f} ms wall)"
    )
    transcript = [s.text for a in answers for s in a.sentences][:150]
    w0, c0 = time.perf_counter(), time.process_time()
    vectors = embed.embed(transcript)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    print(
        f"  150 sentences (a 10-minute interview) embedded: {wall:.2f} s wall, {cpu:.2f} s CPU "
        f"= {wall / BUDGET_SECONDS:.0%} (wall) / {cpu / BUDGET_SECONDS:.0%} (CPU) of the "
        f"{BUDGET_SECONDS:.0f} s content budget"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
