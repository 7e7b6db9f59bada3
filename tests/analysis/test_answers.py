"""Answers: the recording split by question, and what each answer says (docs/scoring.md, "Answers"
and "Content").

The rules are tested on word lists where that is the point (boundaries, sentences, measures), and
end to end on generated interviews through :class:`Analyzer` (real decoding, Whisper, VAD, the
speakers stage): a two-voice interview (espeak-ng interviewer, Piper candidate) and a one-voice
recording with questions to align.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from interview_jobs.analysis import Analyzer
from interview_jobs.analysis.content.answers import (
    METHOD_ALIGNED,
    METHOD_SPEAKERS,
    METHOD_TIMES,
    METHOD_WHOLE,
    Sentence,
    sentences_of,
    split_answers,
)
from interview_jobs.analysis.content.measures import (
    closing,
    length,
    length_score,
    ownership,
    repetition,
    specificity,
)
from interview_jobs.analysis.errors import AnalysisError
from interview_jobs.analysis.fillers import Word
from interview_jobs.analysis.speakers import SpeakerFindings, SpeakerTurn
from interview_jobs.client.render import report_renderable
from interview_jobs.contracts.analysis import AnalysisResult
from tests.conftest import require
from tests.media.dialogue import DialogueTruth, make_interview


def words_of(
    text: str, start: float = 0.0, rate: float = 0.35, gap_at: dict[int, float] | None = None
) -> list[Word]:
    """Words of ``text`` one every ``rate`` seconds (``gap_at``: extra silence before word i)."""
    out = []
    t = start
    for i, token in enumerate(text.split()):
        t += (gap_at or {}).get(i, 0.0)
        out.append(Word(token, round(t, 3), round(t + rate * 0.8, 3), 0.9))
        t += rate
    return out


def question(text: str, start: float | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "text": text, "id": None, "category": None, "form": None, "keyPoints": [],
        "lengthSeconds": None, "startSeconds": start, **extra,
    }  # fmt: skip


# ---------------------------------------------------------------- sentences and splitting
def test_sentences_carry_the_times_of_their_words_and_leave_out_hesitations() -> None:
    words = words_of("So um I led the migration. It took two weeks and we shipped it.")
    words.insert(3, Word("…", 1.0, 1.2, 0.0, filler="hesitation", kind="hesitation"))
    found = sentences_of(words)
    assert [s.text for s in found] == [
        "So I led the migration.",
        "It took two weeks and we shipped it.",
    ]
    assert found[0].start == words[0].start and found[0].end == words[6].end
    assert found[1].start == words[7].start


def test_unpunctuated_speech_is_cut_at_silences() -> None:
    words = words_of("we moved the service then it broke again", gap_at={5: 1.5})
    assert [s.text for s in sentences_of(words)] == ["we moved the service then", "it broke again"]


def test_question_times_split_the_recording() -> None:
    words = words_of("first answer here. " * 10 + "second answer now. " * 10)
    split = split_answers(words, 30.0, [question("Q one?", 0.0), question("Q two?", 10.5)])
    assert split.method == METHOD_TIMES and split.confident
    first, second = split.answers
    assert (first.start, first.end, second.start, second.end) == (0.0, 10.5, 10.5, 30.0)
    assert all(w.start < 10.5 for w in first.words) and all(w.start >= 10.2 for w in second.words)
    assert first.question is not None and first.question["text"] == "Q one?"


def test_no_questions_one_voice_is_one_answer_without_a_question() -> None:
    words = words_of("I built a thing. It worked well.")
    split = split_answers(words, 5.0, None)
    assert split.method == METHOD_WHOLE and len(split.answers) == 1
    assert split.answers[0].question is None and split.answers[0].end == 5.0


def _dialogue(turns: list[tuple[str, str]]) -> tuple[list[Word], SpeakerFindings]:
    """Words and speaker turns of a two-voice exchange (voice 1 the candidate), 1 s apart."""
    words: list[Word] = []
    found: list[SpeakerTurn] = []
    t = 0.0
    for who, text in turns:
        said = words_of(text, start=t)
        found.append(SpeakerTurn(t, said[-1].end, 1 if who == "candidate" else 0))
        words += said
        t = said[-1].end + 1.0
    return words, SpeakerFindings(2, tuple(found), 1, "talks most")


def test_short_replies_to_small_talk_and_follow_ups_are_not_judged_as_answers() -> None:
    star = (
        "Last spring our payment service went down during the big sale and I was on call, "
        "so I rolled back the migration and added a check to the pipeline."
    )
    words, speakers = _dialogue(
        [
            ("interviewer", "Hello, and thanks for coming in. Shall we start?"),
            ("candidate", "Yes, of course. Thank you for having me."),
            ("interviewer", "Tell me about a time you fixed something under pressure."),
            ("candidate", star),
            ("interviewer", "And how did that turn out?"),
            ("candidate", "We were back within twenty minutes."),
            ("interviewer", "Why do you want to leave?"),
            ("candidate", "Money."),
        ]
    )
    # the last question is one of the job's: its reply is judged however short
    split = split_answers(words, 60.0, [question("Why do you want to leave?")], speakers)
    assert split.method == METHOD_SPEAKERS
    assert [a.question["text"] for a in split.answers if a.question] == [
        "Tell me about a time you fixed something under pressure.",
        "Why do you want to leave?",
    ]
    assert [a.index for a in split.answers] == [0, 1]
    assert split.note is not None
    assert "2 short replies" in split.note and "“And how did that turn out?”" in split.note
    assert "Shall we start?" in split.note
    # the words left out stay where they were: in the transcript, not in an answer
    assert sum(len(a.words) for a in split.answers) == len(star.split()) + 1


def test_when_every_reply_is_short_all_are_answers() -> None:
    words, speakers = _dialogue(
        [
            ("interviewer", "What is your current role?"),
            ("candidate", "Backend engineer."),
            ("interviewer", "For how long?"),
            ("candidate", "About five years now."),
        ]
    )
    split = split_answers(words, 20.0, None, speakers)
    assert len(split.answers) == 2 and split.note is None


def test_questions_without_times_are_aligned_where_the_candidate_repeats_them() -> None:
    q1 = "Tell me about a project you are proud of."
    q2 = "How do you handle disagreements on your team?"
    text1 = "A project I am proud of. I rebuilt our billing service. It cut failures by half."
    text2 = (
        "How do I handle disagreements on my team? I listen first. Then we test both ideas "
        "on real data and keep the one that works."
    )
    words = words_of(text1) + words_of(text2, start=30.0)
    split = split_answers(words, 50.0, [question(q1), question(q2)])
    assert split.method == METHOD_ALIGNED and split.confident
    assert [round(a.start, 1) for a in split.answers] == [0.0, 30.0]
    assert split.answers[1].words[0].text == "How"


def test_an_alignment_that_is_not_confident_says_so_and_takes_the_whole_recording() -> None:
    words = words_of("I like working here. The weather was fine. We had lunch. It rained.")
    split = split_answers(words, 20.0, [question("What is your biggest weakness?"),
                                        question("Why should we hire you?")])  # fmt: skip
    assert not split.confident and split.method == METHOD_WHOLE
    assert len(split.answers) == 1 and split.answers[0].question is not None
    assert split.answers[0].question["text"] == "What is your biggest weakness?"
    assert split.note and "could not be placed" in split.note


def test_bad_questions_are_refused_naming_the_item(tmp_path: Path) -> None:
    analyzer = Analyzer()
    with pytest.raises(AnalysisError, match=r"questions\[1\] has no text"):
        analyzer.analyze(tmp_path / "x.mp4", questions=[question("ok?"), {"text": " "}])
    with pytest.raises(AnalysisError, match=r"questions\[1\].startSeconds is not after"):
        analyzer.analyze(tmp_path / "x.mp4", questions=[question("a?", 5.0), question("b?", 2.0)])


# ---------------------------------------------------------------- measures
def sentences(*texts: str) -> list[Sentence]:
    return [Sentence(t, 5.0 * i, 5.0 * i + 4.0, len(t.split())) for i, t in enumerate(texts)]


def test_specificity_counts_numbers_names_and_time_markers() -> None:
    specific = specificity(
        sentences(
            "Last year our checkout failed for 3 percent of users.",
            "I moved the payments to Stripe with the Platform team in two weeks.",
        )
    )
    vague = specificity(sentences("I did some things and it was good.", "People liked it a lot."))
    assert specific["numbers"] >= 2 and specific["names"] >= 2 and specific["timeMarkers"] >= 2
    assert specific["per100Words"] > 20 and vague["per100Words"] == 0
    assert any(i["text"] == "Stripe" and i["at"] == 5.0 for i in specific["items"])


def test_ownership_is_i_against_we_in_the_actions() -> None:
    said = sentences("We had a problem.", "I wrote the fix and I deployed it.", "We celebrated.")
    assert ownership(said, None) == {"i": 2, "we": 2, "iShare": 0.5, "basis": "all sentences"}
    only_actions = ownership(said, [said[1]])
    assert only_actions["iShare"] == 1.0 and only_actions["basis"] == "actions"
    assert ownership(sentences("It was fine."), None)["iShare"] is None


def test_length_against_the_questions_range() -> None:
    assert length(200.0, 400, [60, 120])["verdict"] == "long"
    assert length(90.0, 200, [60, 120])["verdict"] == "good"
    short = length(20.0, 50, None)
    assert short["verdict"] == "short" and short["targetFrom"] == "default"
    assert length_score(short) < length_score(length(45.0, 100, None)) == 100


def test_repetition_finds_phrases_said_again() -> None:
    rambling = repetition(
        sentences(
            "The new system was great.",
            "Honestly the new system was great for everyone.",
            "And the new system was great in the end.",
        )
    )
    top = rambling["phrases"][0]
    assert top["phrase"] == "the new system was great" and top["count"] == 3
    assert rambling["repeatedShare"] > 0.3
    assert repetition(sentences("I fixed the bug.", "Then I wrote a test."))["phrases"] == []


def test_closing_result_lesson_or_neither() -> None:
    assert (
        closing(sentences("I did it.", "As a result, errors dropped by 80 percent."), None)[
            "endsWith"
        ]
        == "result"
    )
    assert (
        closing(sentences("It failed.", "I learned to test earlier."), None)["endsWith"] == "lesson"
    )
    assert closing(sentences("I like pizza.", "My cat is called Bob."), None)["endsWith"] == "other"


# ---------------------------------------------------------------- end to end
TWO_VOICES = [
    ("interviewer", "Tell me about a time you had to fix something under pressure."),
    (
        "candidate",
        "Last spring our payment service went down during a sale. I was the engineer on call. "
        "I found a bad database migration, rolled it back and added a check to our pipeline. "
        "As a result, payments were back within twenty minutes and it never happened again.",
    ),
    ("interviewer", "What would you do differently next time?"),
    (
        "candidate",
        "I would test the migration on a copy of the real data first. I learned that a staging "
        "database that is too small hides the slow queries.",
    ),
]


@pytest.fixture(scope="module")
def two_voices(tmp_path_factory: pytest.TempPathFactory) -> DialogueTruth:
    require(shutil.which("espeak-ng") is not None, "espeak-ng (Debian package) is needed")
    path = tmp_path_factory.mktemp("answers") / "two_voices.mp4"
    return make_interview(path, TWO_VOICES, fps=5, width=320, height=180)


@pytest.mark.slow
def test_two_voices_the_interviewer_asks_the_candidate_answers(
    two_voices: DialogueTruth, tiny: Analyzer
) -> None:
    result = tiny.analyze(
        two_voices.path,
        questions=[question("What would you do differently next time?", id="fit-001")],
    )
    AnalysisResult.model_validate(result)
    assert result["schemaVersion"] == 2
    assert result["answersSplit"]["method"] == METHOD_SPEAKERS
    answers = result["answers"]
    truth = two_voices.of("candidate")
    asked = two_voices.of("interviewer")
    assert len(answers) == 2
    for answer, turn, q in zip(answers, truth, asked, strict=True):
        assert answer["speaker"] == "candidate"
        assert abs(answer["start"] - turn.start) <= 1.5 and abs(answer["end"] - turn.end) <= 1.5
        # the question is the interviewer's words, never invented
        words = set(answer["question"]["text"].lower().strip("?.").split())
        assert len(words & set(q.text.lower().split())) >= 0.7 * len(q.text.split())
        assert abs(answer["askedAt"] - q.start) <= 1.5
    # the given question is recognised as the second one asked and brings its id
    assert answers[1]["question"]["id"] == "fit-001"
    assert "id" not in answers[0]["question"]
    # delivery describes the candidate only: their words, no interviewer turn as a pause
    speech = result["metrics"]["speech"]
    candidate_words = sum(len(t.words) for t in truth)
    assert abs(speech["wordCount"] - candidate_words) <= 0.15 * candidate_words
    for pause in speech["pauses"]["items"]:
        assert not any(
            pause["start"] < q.end - 0.3 and pause["end"] > q.start + 0.3 for q in asked
        ), pause
    assert 100 <= speech["wordsPerMinute"] <= 220
    # … and the voice is the candidate's (Piper's man), not the interviewer's (espeak's f3)
    floor, ceiling = speech["pitch"]["rangeHz"]
    mine, theirs = (
        _pitch_mean(two_voices.path, two_voices.of(who), floor, ceiling)
        for who in ("candidate", "interviewer")
    )
    assert theirs > 1.3 * mine  # the two voices differ, or this would test nothing
    assert abs(speech["pitch"]["meanHz"] - mine) <= 0.1 * mine, (speech["pitch"], mine, theirs)
    for answer in answers:
        assert 0 <= answer["score"] <= 100 and answer["deliveryScore"] is not None
        assert answer["content"]["length"]["words"] > 10
    assert result["deliveryScore"] is not None and "contentScore" in result
    # the first answer ends with a result, the second with a lesson
    assert answers[0]["content"]["closing"]["endsWith"] == "result"
    assert answers[1]["content"]["closing"]["endsWith"] == "lesson"
    assert answers[0]["content"]["specificity"]["numbers"] >= 1
    # the CLI's report prints the answers
    console = Console(record=True, width=140)
    console.print(report_renderable(result))
    printed = console.export_text()
    assert "Answers (split by speakers)" in printed and "Q2" in printed
    assert "What would you do differently" in printed


def _pitch_mean(path: Path, turns: list[Any], floor: float, ceiling: float) -> float:
    """Praat's mean pitch (between ``floor`` and ``ceiling``) over the audio of ``turns`` only."""
    import numpy as np
    import parselmouth

    from interview_jobs.analysis.media import SAMPLE_RATE, iter_audio

    audio = np.concatenate([b.samples for b in iter_audio(path)]).astype(np.float64)
    values = []
    for turn in turns:
        part = audio[int(turn.start * SAMPLE_RATE) : int(turn.end * SAMPLE_RATE)]
        sound = parselmouth.Sound(part, sampling_frequency=SAMPLE_RATE)
        f0 = sound.to_pitch(time_step=0.01, pitch_floor=floor, pitch_ceiling=ceiling)
        hz = f0.selected_array["frequency"]
        values.append(hz[hz > 0])
    return float(np.concatenate(values).mean())


ONE_VOICE_QUESTIONS = [
    "Tell me about a project you are proud of.",
    "How do you handle disagreements on your team?",
]
ONE_VOICE = [
    (
        "candidate",
        "A project I am proud of. Last year I rebuilt the billing service of our shop. I moved it "
        "to a new database and wrote the tests for it. It now fails half as often as before.",
    ),
    (
        "candidate",
        "{2.5} How do I handle disagreements on my team? I listen to both sides first. Then we "
        "try both ideas on real data, and we keep the one that works better.",
    ),
]


@pytest.fixture(scope="module")
def one_voice(tmp_path_factory: pytest.TempPathFactory) -> DialogueTruth:
    path = tmp_path_factory.mktemp("answers") / "one_voice.mp4"
    return make_interview(path, ONE_VOICE, fps=5, width=320, height=180)


@pytest.mark.slow
def test_one_voice_questions_without_times_are_aligned_to_the_transcript(
    one_voice: DialogueTruth, tiny: Analyzer
) -> None:
    result = tiny.analyze(one_voice.path, questions=[question(q) for q in ONE_VOICE_QUESTIONS])
    AnalysisResult.model_validate(result)
    assert result["answersSplit"] == {"method": METHOD_ALIGNED, "confident": True}
    first, second = result["answers"]
    assert first["question"]["text"] == ONE_VOICE_QUESTIONS[0]
    assert abs(second["start"] - one_voice.turns[1].start) <= 1.5
    assert first["end"] == second["start"] and "speaker" not in first
    assert first["wordCount"] >= 25 and second["wordCount"] >= 20
