"""Wire shape of ``GET /api/questions``: the bank's questions (``contracts.questions``) and the
categories with the words the page shows for them."""

from __future__ import annotations

from interview_jobs.contracts.common import CamelModel
from interview_jobs.contracts.questions import BankQuestion, Category

CATEGORY_LABELS: dict[Category, str] = {
    Category.BEHAVIOURAL: "Behavioural",
    Category.SITUATIONAL: "Situational",
    Category.MOTIVATION: "Motivation and fit",
    Category.STRENGTHS_WEAKNESSES: "Strengths and weaknesses",
    Category.TEAMWORK: "Communication and teamwork",
    Category.LEADERSHIP: "Leadership",
}


class CategoryOut(CamelModel):
    id: Category
    label: str
    count: int  # questions of the bank in it (whatever the request's filter)


class QuestionBankOut(CamelModel):
    """``categories``: every category, in the bank's order; ``questions``: those asked for."""

    categories: list[CategoryOut]
    questions: list[BankQuestion]
