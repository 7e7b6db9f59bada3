"""Answers the team wrote to bank questions, with their labels: the ground truth of the content
tests (tests/analysis/test_content.py) and of generated interviews (:func:`make_answer_interview`).

Each answer is labelled with its kind — ``strong_star`` (on topic, Situation, Task, Action and a
measurable Result), ``off_topic`` (fluent, but about something else), ``no_result`` (on topic,
S/T/A, but never says what came of it) and ``rambling`` (on topic, vague, repeats itself, too
long) — whether it is on topic, which STAR parts it holds, and whether it rambles. The texts are
written for speech (Piper reads them): plain sentences, numbers in words or digits as one says
them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tests.media.dialogue import DialogueTruth, make_interview

KINDS = ("strong_star", "off_topic", "no_result", "rambling")
# Said by the interviewer before the question: the speakers stage needs about 5 s of a voice to
# tell it apart (docs/scoring.md, "Who is speaking"), and a bare question is shorter.
INTRO = "Thank you for coming in today. Let us start with one of the questions from our list."


@dataclass(frozen=True)
class LabelledAnswer:
    question_id: str
    kind: str
    text: str
    on_topic: bool
    star: dict[str, bool] = field(default_factory=dict)
    rambling: bool = False


def _star(s: bool, t: bool, a: bool, r: bool) -> dict[str, bool]:
    return {"situation": s, "task": t, "action": a, "result": r}


ANSWERS: tuple[LabelledAnswer, ...] = (
    # beh-001: Tell me about a time you had to solve a difficult problem at work.
    LabelledAnswer(
        "beh-001",
        "strong_star",
        "Last spring I was a backend engineer at a travel company, and our booking service "
        "started failing for about three percent of customers every evening. My task was to find "
        "the cause within a week, because the summer sale was about to start. I went through the "
        "logs of the failed requests and noticed that every failure came right after the nightly "
        "price import. I reproduced it on a copy of the database and found that the import locked "
        "the booking table for up to forty seconds. I rewrote the import to update prices in small "
        "batches, added an alarm on lock time, and tested it with the payments team before the "
        "sale. As a result, the failures dropped from three percent to almost zero, and we took "
        "twenty percent more bookings during the sale than the year before. I learned to look at "
        "what runs at the same time as a failure, not only at the failure itself.",
        on_topic=True,
        star=_star(True, True, True, True),
    ),
    LabelledAnswer(
        "beh-001",
        "off_topic",
        "Pizza is my favourite food, and I think it is the best food in the world. On weekends I "
        "like to cook it at home with fresh tomatoes and a lot of cheese. My cat is called Bob, "
        "and he sleeps on the sofa most of the day. He likes to watch birds from the window. I "
        "also enjoy long walks by the river when the weather is nice, and in the summer I go "
        "swimming with my friends. My favourite colour is blue, and my favourite film is an old "
        "comedy that I have seen many times. I have no weaknesses at all, and everyone says I am "
        "very easy to get along with. I would really like to travel to Italy one day to try the "
        "real pizza there, and maybe to learn how to make the dough by hand.",
        on_topic=False,
        star=_star(False, False, False, False),
    ),
    LabelledAnswer(
        "beh-001",
        "no_result",
        "At my last job I worked on the mobile app of a small bank, and one day the login screen "
        "started to freeze for some of our users. I was asked to find out why, because the "
        "support team was getting many calls about it. I first looked at the crash reports and "
        "saw that it only happened on older phones. Then I profiled the app on an old test phone "
        "and found that we loaded all the account history before showing the screen. I changed "
        "the code to load the history later, in the background, and I wrote a test that measures "
        "how long the screen takes to appear. I also talked to the designers about showing a "
        "simple loading message while the data arrives, and I explained the change to the rest "
        "of the team in our weekly meeting.",
        on_topic=True,
        star=_star(True, True, True, False),
    ),
    LabelledAnswer(
        "beh-001",
        "rambling",
        "So, a difficult problem, yes, there were a lot of difficult problems, work is full of "
        "difficult problems really. There was this one problem with the system, the system was "
        "slow, and the system was slow for a long time, and everybody knew the system was slow. "
        "We talked about it a lot, we had meetings about it, and in the meetings we talked about "
        "how the system was slow. Some people thought it was the database, some people thought "
        "it was the network, and some people thought it was something else, it was hard to say. "
        "And then we looked at it again, and we talked about it again, and the system was still "
        "slow. It was a difficult problem, a really difficult problem, and I think everybody "
        "learned something from it, because it was a difficult problem. We tried a few things, "
        "some things worked a bit and some things did not work, and the system was a little "
        "less slow after a while. Anyway, that is the kind of difficult problem we had at work, "
        "and there were many more difficult problems like that one, so, yes, that is about it.",
        on_topic=True,
        star=_star(True, False, False, False),
        rambling=True,
    ),
)


def answers_to(question_id: str) -> dict[str, LabelledAnswer]:
    return {a.kind: a for a in ANSWERS if a.question_id == question_id}


def make_answer_interview(
    path: str | Path, question_text: str, answer: LabelledAnswer
) -> DialogueTruth:
    """A two-voice clip: the interviewer (espeak-ng) asks ``question_text``, the candidate
    (Piper, on camera) gives ``answer``. Every clip has the same voices, face and pace, so
    that two clips differ in what is said, not in how."""
    return make_interview(
        path,
        [("interviewer", f"{INTRO} {question_text}"), ("candidate", answer.text)],
        fps=5,
        width=320,
        height=180,
    )
