"""Checking a page's answers against its definition, and showing answers back, in GOV.UK's words.

Every answer has a length cap and a specific message; text is kept as typed
(only control characters are dropped and line endings made ``\\n``), so hostile
text is stored as text and escaped wherever it is shown.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from backoffice.public import FormDefinition, FormPage, Question
from shared.web.forms import DATE_PARTS, Past, email_error, parse_date

PHONE = re.compile(r"^[0-9+() \-]{6,40}$")
PHONE_ERROR = "Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: No one alive was born, and no letter in a request was sent, before this.
EARLIEST = dt.date(1890, 1, 1)


def clean(value: str) -> str:
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass
class PageInput:
    """What the browser sent for one page: ``values`` to show back, ``answers`` to keep, ``errors`` by field id."""

    values: dict[str, Any]
    answers: dict[str, Any]
    errors: dict[str, str]


def read_page(page: FormPage, get: Callable[[str], str], getlist: Callable[[str], list[str]]) -> PageInput:
    """Validate every non-file question of a page (files are checked by shared.files when stored)."""
    result = PageInput(values={}, answers={}, errors={})
    for question in page.questions:
        if question.type == "file":
            continue
        if question.type == "date":
            parts = {part: clean(get(f"{question.key}-{part}"))[:10] for part in DATE_PARTS}
            result.values[question.key] = parts
            _date(question, parts, result)
        elif question.type == "checkboxes":
            chosen = [v for v in getlist(question.key) if v in {o.value for o in question.options}]
            result.values[question.key] = chosen
            if question.required and not chosen:
                result.errors[question.key] = f"Select {question.noun}"
            result.answers[question.key] = chosen
        else:
            value = clean(get(question.key))
            result.values[question.key] = value
            if (message := text_error(question, value)) is not None:
                result.errors[question.key] = message
            result.answers[question.key] = value.lower() if question.type == "email" else value
    return result


def text_error(question: Question, value: str) -> str | None:
    if not value:
        if not question.required:
            return None
        return f"Select {question.noun}" if question.type == "radios" else f"Enter {question.noun}"
    if question.type == "radios":
        return None if value in {o.value for o in question.options} else f"Select {question.noun}"
    if len(value) > question.limit:
        return f"{_cap(question.noun)} must be {question.limit:,} characters or less"
    if question.type == "email" and (problem := email_error(value)) is not None:
        return problem
    if question.type == "phone" and (not PHONE.match(value) or sum(c.isdigit() for c in value) < 6):
        return PHONE_ERROR
    if question.pattern and not re.fullmatch(question.pattern, value):
        return question.pattern_error or f"Enter {question.noun} in the correct format"
    return None


def _date(question: Question, parts: dict[str, str], result: PageInput) -> None:
    """Capture's dates are of the past (a birth, a letter sent), so a date from today on is refused."""
    answer = parse_date(parts, question.noun, required=question.required, earliest=EARLIEST, past=Past.BEFORE_TODAY)
    if answer.error:
        result.errors[f"{question.key}-{answer.part}"] = answer.error
    elif answer.value is not None or not question.required:
        result.answers[question.key] = answer.value.isoformat() if answer.value else ""


def values_from_answers(page: FormPage, answers: dict[str, Any]) -> dict[str, Any]:
    """What a page shows when it is opened again: the saved answers in the form's own shape."""
    values: dict[str, Any] = {}
    for question in page.questions:
        saved = answers.get(question.key)
        if question.type == "date":
            if isinstance(saved, str) and saved:
                year, month, day = saved.split("-")
                values[question.key] = {"day": str(int(day)), "month": str(int(month)), "year": year}
            else:
                values[question.key] = dict.fromkeys(DATE_PARTS, "")
        elif question.type == "checkboxes":
            values[question.key] = saved if isinstance(saved, list) else []
        else:
            values[question.key] = saved if saved is not None else ""
    return values


# --- which pages apply, and what is still to do ----------------------------------------------------


def applies(page: FormPage, answers: dict[str, Any]) -> bool:
    if page.condition is None:
        return True
    answer = answers.get(page.condition.question)
    if not answer:
        return False
    if not page.condition.values:
        return True
    chosen = answer if isinstance(answer, list) else [answer]
    return any(value in page.condition.values for value in chosen)


def live_pages(definition: FormDefinition, answers: dict[str, Any]) -> list[FormPage]:
    return [page for page in definition.pages if applies(page, answers)]


def first_incomplete(definition: FormDefinition, answers: dict[str, Any]) -> FormPage | None:
    """The first page that applies and has a question never answered (skipped optional ones count as answered)."""
    for page in live_pages(definition, answers):
        if any(q.key not in answers for q in page.questions):
            return page
    return None


def next_page(definition: FormDefinition, answers: dict[str, Any], after: FormPage) -> FormPage | None:
    pages = live_pages(definition, answers)
    keys = [p.key for p in definition.pages]
    return next((p for p in pages if keys.index(p.key) > keys.index(after.key)), None)


def previous_page(definition: FormDefinition, answers: dict[str, Any], before: FormPage) -> FormPage | None:
    keys = [p.key for p in definition.pages]
    earlier = [p for p in live_pages(definition, answers) if keys.index(p.key) < keys.index(before.key)]
    return earlier[-1] if earlier else None


def live_answers(definition: FormDefinition, answers: dict[str, Any]) -> dict[str, Any]:
    """Only the answers of pages that still apply: a changed answer can make a later page irrelevant."""
    return {q.key: answers[q.key] for p in live_pages(definition, answers) for q in p.questions if q.key in answers}


def display(question: Question, value: Any) -> str:
    """An answer as the check-answers page and the case show it."""
    if value in (None, "", [], {}):
        return "Not provided"
    if question.type == "radios":
        return next((o.text for o in question.options if o.value == value), str(value))
    if question.type == "checkboxes":
        texts = {o.value: o.text for o in question.options}
        return ", ".join(texts.get(v, v) for v in value)
    if question.type == "date":
        return dt.date.fromisoformat(value).strftime("%-d %B %Y")
    if question.type == "file":
        return str(value.get("name", "File")) if isinstance(value, dict) else "Not provided"
    return str(value)


def summary_label(question: Question) -> str:
    return _cap(question.noun)
