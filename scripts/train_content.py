"""Train the content models from the team's labelled data and write their weights.

    .venv/bin/python scripts/train_content.py            # writes analysis/content/data/*.npz
    .venv/bin/python scripts/train_content.py --check    # exit 1 if the shipped files differ

Reads ``data/content/`` (answers labelled sentence by sentence with STAR parts, and on/off-topic
question-answer pairs; README.md there), keeps the held-out part out (its rule:
``training.held_out``), and fits the STAR sentence classifier (``star.npz``) and the relevance
calibration (``relevance.npz``). Prints what cross-validation on the training part chose; the
held-out figures are ``bench/content_accuracy.py``'s job.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

from interview_jobs.analysis.content import relevance, star, training
from interview_jobs.contracts.questions import bank

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "content"
OUT = ROOT / "src" / "interview_jobs" / "analysis" / "content" / "data"


def bank_dicts() -> dict[str, dict[str, object]]:
    return {q.id: {"text": q.text, "keyPoints": list(q.key_points)} for q in bank()}


def train(out: Path) -> None:
    answers = training.read_answers(DATA)
    pairs = training.read_pairs(DATA, answers)
    train_answers = [a for a in answers if not training.held_out(a)]
    train_pairs = [p for p in pairs if not training.held_out(p)]
    sentences = sum(len(a.sentences) for a in train_answers)
    print(f"STAR: {len(train_answers)} training answers, {sentences} sentences")
    weights, log = training.train_star(training.star_data(train_answers))
    for k, name in enumerate(star.COMPONENTS):
        print(
            f"  {name:9s} l2={log['l2_first'][k]:g}/{log['l2_second'][k]:g} "
            f"threshold={log['threshold'][k]:.2f} cross-validated F1: first stage "
            f"{log['cv_f1_first'][k]:.3f}, both {log['cv_f1'][k]:.3f}"
        )
    weights.save(out / star.WEIGHTS_FILE)
    vectors = training.relevance_vectors(answers, bank_dicts())
    centres = training.relevance_centres(vectors, [a.id for a in train_answers])
    cv_auc = training.relevance_cv_auc(train_pairs, vectors, centres)
    print(
        f"relevance: {len(train_pairs)} training pairs (each with and without key points), "
        f"cross-validated ROC AUC {cv_auc:.3f}"
    )
    fitted = training.train_relevance(train_pairs, vectors, centres)
    coefficients = zip(relevance.FEATURES, fitted.coef, strict=True)
    print("  coefficients " + ", ".join(f"{n}={c:.2f}" for n, c in coefficients))
    fitted.save(out / relevance.WEIGHTS_FILE)


def same(a: Path, b: Path, tolerance: float = 1e-3) -> bool:
    with np.load(a) as x, np.load(b) as y:
        if sorted(x.files) != sorted(y.files):
            return False
        for key in x.files:
            if x[key].dtype.kind in "fc":
                if x[key].shape != y[key].shape or not np.allclose(x[key], y[key], atol=tolerance):
                    return False
            elif not np.array_equal(x[key], y[key]):
                return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped weights")
    args = parser.parse_args()
    if not args.check:
        OUT.mkdir(parents=True, exist_ok=True)
        train(OUT)
        print(f"wrote {OUT / star.WEIGHTS_FILE} and {OUT / relevance.WEIGHTS_FILE}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        train(Path(tmp))
        stale = [
            name
            for name in (star.WEIGHTS_FILE, relevance.WEIGHTS_FILE)
            if not same(Path(tmp) / name, OUT / name)
        ]
    if stale:
        print(f"shipped weights differ from a fresh training run: {', '.join(stale)}")
        return 1
    print("shipped weights match a fresh training run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
