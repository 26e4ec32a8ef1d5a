"""The edge of claim verifications (协查): the request, answer and close documents an agency sends
(admin API JSON body, CLI file), validated with pydantic; views render with claim_document.plain."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from yibao.domain.claim_verifications import OUTCOMES

from .claim_document import _in_range

Day = Annotated[dt.date, AfterValidator(_in_range)]
Outcome = Literal[OUTCOMES]  # type: ignore[valid-type]


class ItemIn(BaseModel):
    line_no: int | None = Field(default=None, ge=1, le=100_000, description="a line of the claim, or none: the whole claim")
    question: str = Field(min_length=1, max_length=500, description="what the treatment place is asked to check")


class VerificationIn(BaseModel):
    items: list[ItemIn] = Field(min_length=1, max_length=200)
    due_date: Day = Field(description="the day the answer is due")


class LineFindingIn(BaseModel):
    line_no: int = Field(ge=1, le=100_000)
    finding: str = Field(min_length=1, max_length=500)


class AnswerIn(BaseModel):
    outcome: Outcome = Field(description="confirmed | discrepancies")
    text: str = Field(default="", max_length=2000, description="the findings; required for discrepancies")
    lines: list[LineFindingIn] = Field(default_factory=list, max_length=2000)


class CloseIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)
