"""HTTP of the question bank. A read like the others: it needs a login (CONTRACT.md: every
``/api/...`` endpoint but register, login, health and the callback does)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from interview_jobs.api.deps import CurrentUser
from interview_jobs.api.errors import error_responses
from interview_jobs.api.questions.schemas import CATEGORY_LABELS, CategoryOut, QuestionBankOut
from interview_jobs.contracts.questions import Category, bank, in_category

router = APIRouter(prefix="/api/questions", tags=["questions"], responses=error_responses(401))


@router.get("", response_model=QuestionBankOut, responses=error_responses(422))
async def list_questions(
    user: CurrentUser,
    response: Response,
    category: Annotated[
        Category | None, Query(description="only the questions of this category")
    ] = None,
) -> QuestionBankOut:
    """*(ext)* The question bank: each question's id, category, text, the answer form expected
    (STAR or free), the key points a strong answer covers and its suggested length."""
    # The bank changes only with a release: the browser may keep it for a while.
    response.headers["Cache-Control"] = "private, max-age=3600"
    counts = {c: 0 for c in Category}
    for question in bank():
        counts[question.category] += 1
    return QuestionBankOut(
        categories=[CategoryOut(id=c, label=CATEGORY_LABELS[c], count=counts[c]) for c in Category],
        questions=in_category(category),
    )
