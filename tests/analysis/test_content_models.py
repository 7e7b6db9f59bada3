"""The content models: MiniLM embeddings run with NumPy, the STAR sentence classifier, the
relevance calibration, their weights and data, and the question bank."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from interview_jobs.analysis import ModelError
from interview_jobs.analysis.content import embed, relevance, star, training
from interview_jobs.contracts.questions import Category, bank

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "content"


# --- embeddings --------------------------------------------------------------------------------


def test_embeddings_match_the_published_all_minilm_l6_v2_similarities() -> None:
    # sentence-transformers' README, model all-MiniLM-L6-v2: 0.6660, 0.1046, 0.1411.
    vectors = embed.embed(
        ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
    )
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    sims = vectors @ vectors.T
    assert sims[0, 1] == pytest.approx(0.6660, abs=0.002)
    assert sims[0, 2] == pytest.approx(0.1046, abs=0.002)
    assert sims[1, 2] == pytest.approx(0.1411, abs=0.002)


def test_related_sentences_are_closer_than_unrelated_ones() -> None:
    a, b, c = embed.embed(
        [
            "I fixed the outage and customer complaints dropped to zero.",
            "After my fix the service stopped failing and nobody complained any more.",
            "My cat is called Bob and he likes pizza.",
        ]
    )
    assert a @ b > 0.5 > a @ c


def test_batching_and_threads_do_not_change_a_vector() -> None:
    sentences = [f"Sentence number {i} about {'data ' * (i % 7)}pipelines." for i in range(70)]
    together = embed.embed(sentences)
    alone = np.vstack([embed.embed([s]) for s in sentences[:5]])
    assert np.allclose(together[:5], alone, atol=1e-5)
    with ThreadPoolExecutor(4) as pool:
        parallel = list(pool.map(lambda s: embed.embed([s])[0], sentences[:8]))
    assert np.allclose(np.vstack(parallel), together[:8], atol=1e-5)
    assert embed.embed([]).shape == (0, 384)
    with pytest.raises(TypeError):
        embed.embed("one string")  # type: ignore[arg-type]


def test_changed_model_files_are_refused(tmp_path: Path) -> None:
    for name in embed.FILES:
        (tmp_path / name).write_bytes(b"not the model")
    with pytest.raises(ModelError) as caught:
        embed.MiniLM(tmp_path)
    assert caught.value.code == "model_corrupt"
    shutil.rmtree(tmp_path)
    tmp_path.mkdir()
    with pytest.raises(ModelError) as caught:
        embed.MiniLM(tmp_path)
    assert caught.value.code == "model_missing"
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes((10**9).to_bytes(8, "little") + b"{}")
    with pytest.raises(ModelError):
        embed.read_safetensors(bad)


# --- STAR --------------------------------------------------------------------------------------

# Written for this test (not in data/content): one clear sentence per part, then small talk.
UNSEEN_ANSWER = [
    "At my previous company our online shop kept crashing every time we ran a big sale.",
    "My job was to make the site stable before the Christmas campaign.",
    "I moved the product images to a CDN and added caching in front of the database.",
    "As a result the pages loaded sixty percent faster and we had no outage all December.",
    "Anyway, I really love the colour green.",
]


def test_star_finds_each_part_in_an_unseen_answer() -> None:
    probabilities = star.classify(UNSEEN_ANSWER)
    assert len(probabilities) == len(UNSEEN_ANSWER)
    expected = ["situation", "task", "action", "result"]
    for sentence, part in zip(probabilities[:4], expected, strict=True):
        assert max(sentence, key=sentence.__getitem__) == part, sentence
        assert sentence[part] >= star.THRESHOLD[part], sentence
    small_talk = probabilities[4]
    assert all(small_talk[p] < star.THRESHOLD[p] for p in star.COMPONENTS), small_talk


def test_star_takes_precomputed_embeddings_and_checks_them() -> None:
    vectors = embed.embed(UNSEEN_ANSWER)
    assert star.classify(UNSEEN_ANSWER, vectors) == star.classify(UNSEEN_ANSWER)
    assert star.classify([]) == []
    with pytest.raises(ValueError, match="shape"):
        star.classify(UNSEEN_ANSWER, vectors[:2])
    assert set(star.THRESHOLD) == set(star.COMPONENTS)
    assert all(0.0 < star.THRESHOLD[p] < 1.0 for p in star.COMPONENTS)


def test_star_weights_load_with_the_right_shape_and_refuse_stale_ones(tmp_path: Path) -> None:
    weights = star.weights()
    d = embed.DIMENSION + 3 * (len(star.CUES) + 1) + len(star.POSITION_NAMES)  # with neighbours
    assert weights.first.coef.shape == (4, d)
    assert weights.second.coef.shape == (4, 5 * 4 + len(star.POSITION_NAMES))  # with log-odds
    path = tmp_path / "star.npz"
    weights.save(path)
    assert np.allclose(star.load_weights(path).first.coef, weights.first.coef)
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["cues"] = np.array([*star.CUE_NAMES[:-1], "renamed"])
    np.savez(path, **arrays)
    with pytest.raises(ModelError, match="retrain"):
        star.load_weights(path)


def test_cue_features_see_the_cues() -> None:
    names = [*star.CUE_NAMES, "log_words"]

    def cues(sentence: str) -> set[str]:
        values = star.cue_features(sentence)
        return {n for n, v in zip(names[:-1], values[:-1], strict=True) if v}

    assert {"past_action", "number"} <= cues("Then I rewrote the scheduler and saved 10 hours.")
    assert "result_phrase" in cues("As a result, complaints dropped by half.")
    assert "task_phrase" in cues("I was responsible for the billing service.")
    assert "task_phrase" in cues("I had two weeks to learn it before the new staff started.")
    assert "task_phrase" in cues("By the end of the month I was expected to run it on my own.")
    assert "task_phrase" in cues("Somebody had to sort it the same day, and that landed on me.")
    assert "task_given" in cues("My remit was the two regional payrolls.")
    assert "task_given" in cues("I was on the hook for the stock count before the audit.")
    assert "task_given" in cues("The aim would be to keep both managers happy.")
    assert "had_to_act" in cues("So I had to ring round the suppliers that morning.")
    assert "had_to_act" not in cues("I had to get the report out by Friday.")
    assert "setting" in cues("As a junior analyst, I sat with the sales team.")
    assert "setting" in cues("At my last job we had a nightly batch.")
    assert "filler_only" in cues("Um, yeah, so.")
    assert not cues("Blue.") - {"filler_only"}


# --- relevance ---------------------------------------------------------------------------------

QUESTION = "Tell me about a time you had to meet a very tight deadline."
KEY_POINTS = ["the deadline and why it was tight", "how you prioritised", "whether you met it"]
ON_TOPIC = [
    "Our client moved their launch forward, so we had one week instead of four.",
    "I cut the scope to the two features they needed on launch day and planned daily goals.",
    "We delivered on the Friday, a day early, and the launch went fine.",
]
OFF_TOPIC = [
    "Pizza is my favourite food.",
    "My cat is called Bob and he sleeps on my keyboard.",
    "I have no weaknesses at all.",
]
OTHER_QUESTION = [
    "I am very motivated by your company's mission and your products.",
    "I have always wanted to work in the energy sector and I admire your values.",
]


def test_relevance_puts_an_on_topic_answer_above_off_topic_ones() -> None:
    on = relevance.relevance(ON_TOPIC, QUESTION, KEY_POINTS)
    ramble = relevance.relevance(OFF_TOPIC, QUESTION, KEY_POINTS)
    other = relevance.relevance(OTHER_QUESTION, QUESTION, KEY_POINTS)
    assert 0.0 <= ramble < 0.5 < on <= 1.0
    assert other < on
    typed = relevance.relevance(ON_TOPIC, QUESTION)  # a typed question: no key points
    assert typed > relevance.relevance(OFF_TOPIC, QUESTION)


# On topic, but it stops before saying what came of it.
NO_RESULT = [
    "Two days before the end of the quarter, our biggest customer asked for the full audit report.",
    "Normally it takes us two weeks, so I had to get it done in forty-eight hours.",
    "I split the report into sections, gave each one to the person who knew it best, and I "
    "checked every section myself as it came in.",
]
# A complete STAR answer, but to another question of the same category (a mistake at work).
OTHER_STAR = [
    "In my first week I sent a price list to a customer with last year's prices.",
    "I had to correct it before they placed an order with the wrong figures.",
    "I called them the same afternoon, apologised and sent the right list.",
    "They thanked us for being honest and placed their order the next day.",
]


def test_relevance_does_not_take_a_missing_result_for_off_topic() -> None:
    # The labelled pairs once had Results in most on-topic answers and missing in many off-topic
    # ones: an on-topic answer without a Result then scored like an off-topic one.
    # measured: 0.56 against 0.35 with the bank's key points, 0.66 against 0.55 for the question
    # typed without them (the other answer's urgency, "the same afternoon", brushes the deadline).
    for points in (KEY_POINTS, []):
        without_result = relevance.relevance(NO_RESULT, QUESTION, points)
        other = relevance.relevance(OTHER_STAR, QUESTION, points)
        assert without_result > 0.5 and without_result > other + 0.1, (
            points,
            without_result,
            other,
        )
    assert relevance.relevance(OTHER_STAR, QUESTION, KEY_POINTS) < 0.5


def test_relevance_edges() -> None:
    assert relevance.relevance([], QUESTION, KEY_POINTS) == 0.0
    vectors = embed.embed(ON_TOPIC)
    assert relevance.relevance(ON_TOPIC, QUESTION, KEY_POINTS, vectors) == pytest.approx(
        relevance.relevance(ON_TOPIC, QUESTION, KEY_POINTS)
    )
    with pytest.raises(ValueError, match="question"):
        relevance.relevance(ON_TOPIC, "  ", KEY_POINTS)
    with pytest.raises(ValueError, match="shape"):
        relevance.relevance(ON_TOPIC, QUESTION, KEY_POINTS, vectors[:1])
    assert relevance.weights().coef.shape == (len(relevance.FEATURES),)


# --- the labelled data and the training script -------------------------------------------------


def test_labelled_data_is_large_enough_and_consistent() -> None:
    answers = training.read_answers(DATA)
    pairs = training.read_pairs(DATA, answers)
    ids = {q.id for q in bank()}
    sentences = [s for a in answers for s in a.sentences]
    assert len(sentences) >= 450
    assert len(pairs) >= 120
    assert len({(p.question_id, p.answer_id) for p in pairs}) == len(pairs)
    owner = {a.id: a.question_id for a in answers}
    assert all(p.on_topic == (owner[p.answer_id] == p.question_id) for p in pairs)
    assert all(a.question_id in ids or a.question_id == "ramble" for a in answers)
    assert all(p.question_id in ids for p in pairs)
    categories = {q.id: q.category for q in bank()}
    assert {categories[a.question_id] for a in answers if a.question_id in ids} == set(Category)
    held = [s for a in answers if training.held_out(a) for s in a.sentences]
    assert 0.15 < len(held) / len(sentences) < 0.45
    for part in star.COMPONENTS:
        assert sum(part in s.labels for s in held) >= 10, part
    assert {p.on_topic for p in pairs if training.held_out(p)} == {True, False}


def test_the_analysis_scores_a_pair_as_the_training_did() -> None:
    # relevance() (shipped bank vectors, the question and key points embedded at run time) gives
    # the probabilities the held-out figures were measured with (training's own path).
    answers = {a.id: a for a in training.read_answers(DATA)}
    pairs = training.read_pairs(DATA, answers.values())[:6]
    questions = {q.id: {"text": q.text, "keyPoints": list(q.key_points)} for q in bank()}
    vectors = training.relevance_vectors(list(answers.values()), questions)
    model = relevance.weights()
    data = training.relevance_data(pairs, vectors, model.centres)
    for pair, row in zip(pairs, data.x, strict=True):
        question = questions[pair.question_id]
        shipped = relevance.relevance(
            answers[pair.answer_id].text, str(question["text"]), list(question["keyPoints"])
        )
        assert shipped == pytest.approx(model.probability(row), abs=1e-3), pair


def test_read_answers_names_a_bad_line(tmp_path: Path) -> None:
    (tmp_path / "answers_x.txt").write_text("== a1 beh-001\nS | fine\nX | wrong label\n")
    with pytest.raises(ValueError, match=r"answers_x.txt:3"):
        training.read_answers(tmp_path)


def test_logistic_regression_and_metrics() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3)).astype(np.float32)
    y = (x[:, 0] - 2 * x[:, 1] + rng.normal(scale=0.3, size=400)) > 0
    coef, _ = training.fit_logistic(x, y, l2=0.1)
    assert coef[0] > 1 and coef[1] < -2 and abs(coef[2]) < 0.5
    assert training.roc_auc([True, False, True, False], [0.9, 0.1, 0.8, 0.85]) == 0.75
    assert training.f1(np.array([True, False, True]), np.array([True, True, False])) == 0.5


@pytest.mark.slow
def test_shipped_weights_are_what_the_training_script_produces() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train_content.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- the question bank -------------------------------------------------------------------------


def test_question_bank_has_twelve_valid_questions_per_category() -> None:
    questions = bank()
    per_category = Counter(q.category for q in questions)
    assert len(questions) >= 80 and all(per_category[c] >= 12 for c in Category)
    prefixes = {
        Category.BEHAVIOURAL: "beh",
        Category.SITUATIONAL: "sit",
        Category.MOTIVATION: "mot",
        Category.STRENGTHS_WEAKNESSES: "stw",
        Category.TEAMWORK: "com",
        Category.LEADERSHIP: "lea",
    }
    assert len({q.id for q in questions}) == len(questions)
    assert len({q.text for q in questions}) == len(questions)
    for q in questions:
        assert q.id.split("-")[0] == prefixes[q.category], q.id
        if q.category in (Category.BEHAVIOURAL, Category.SITUATIONAL):
            assert q.form == "STAR", q.id
        assert 3 <= len(q.key_points) <= 6 and all(0 < len(p) <= 60 for p in q.key_points), q.id
        low, high = q.length_seconds
        assert 15 <= low < high <= 180, q.id
    seed = {"beh-001", "sit-001", "mot-001", "stw-001", "com-001", "lea-001"}
    assert seed <= {q.id for q in questions}
    raw = json.loads((ROOT / "src/interview_jobs/contracts/question_bank.json").read_text())
    assert [item["id"] for item in raw["questions"]] == [q.id for q in questions]
