"""The page rules of capture/answers.py: which pages apply, what is left to do, and answers shown back."""

from __future__ import annotations

from typing import Any

from backoffice.public import Condition, FormDefinition, FormPage, Option, Question
from capture import answers as rules

NAME = Question(key="name", type="text", label="What is your name?", noun="your name", maps_to="requester.name")
EMAIL = Question(key="email", type="email", label="What is your email address?", noun="your email address",
                 maps_to="requester.email")
PAPER = Question(key="paper", type="radios", label="Do you want a paper copy?", noun="whether you want a paper copy",
                 options=(Option("yes", "Yes"), Option("no", "No")))
ADDRESS = Question(key="address", type="address", label="Address", noun="your address", required=False)
TOPICS = Question(key="topics", type="checkboxes", label="Topics", noun="a topic",
                  options=(Option("roads", "Roads"), Option("bins", "Bins")))
FORM = FormDefinition(key="t", title="A test form", pages=(
    FormPage("name", "Name", (NAME,)),
    FormPage("email", "Email", (EMAIL,)),
    FormPage("paper", "Paper", (PAPER,)),
    FormPage("address", "Address", (ADDRESS,), condition=Condition("paper", ("yes",))),
    FormPage("topics", "Topics", (TOPICS,)),
))


def _keys(pages: list[FormPage]) -> list[str]:
    return [p.key for p in pages]


def test_a_conditional_page_applies_only_after_the_answer_it_names() -> None:
    address = FORM.pages[3]
    assert not rules.applies(address, {})
    assert not rules.applies(address, {"paper": "no"})
    assert rules.applies(address, {"paper": "yes"})
    assert rules.applies(FormPage("x", "X", (NAME,), condition=Condition("topics")), {"topics": ["bins"]})
    assert _keys(rules.live_pages(FORM, {"paper": "no"})) == ["name", "email", "paper", "topics"]


def test_the_journey_moves_over_the_pages_that_apply() -> None:
    answers: dict[str, Any] = {"name": "Sam", "email": "sam@example.com", "paper": "no"}
    assert rules.first_incomplete(FORM, answers) == FORM.pages[4]
    assert rules.next_page(FORM, answers, FORM.pages[2]) == FORM.pages[4]
    assert rules.previous_page(FORM, answers, FORM.pages[4]) == FORM.pages[2]
    assert rules.previous_page(FORM, answers, FORM.pages[0]) is None
    answers["paper"] = "yes"
    assert rules.next_page(FORM, answers, FORM.pages[2]) == FORM.pages[3]
    assert rules.first_incomplete(FORM, {**answers, "address": "", "topics": ["roads"]}) is None


def test_answers_of_pages_that_no_longer_apply_are_left_out() -> None:
    answers = {"name": "Sam", "paper": "no", "address": "1 High Street", "unknown": "x"}
    assert rules.live_answers(FORM, answers) == {"name": "Sam", "paper": "no"}


def test_a_page_reads_its_answers_and_explains_what_is_wrong() -> None:
    typed = {"name": "  Sam\r\nJones\x07 ", "email": "SAM@Example.com"}
    page = rules.read_page(FORM.pages[0], lambda n: typed.get(n, ""), lambda n: [])
    assert page.answers == {"name": "Sam\nJones"} and page.errors == {}
    empty = rules.read_page(FORM.pages[0], lambda n: "", lambda n: [])
    assert empty.errors == {"name": "Enter your name"}
    email = rules.read_page(FORM.pages[1], lambda n: typed.get(n, ""), lambda n: [])
    assert email.answers == {"email": "sam@example.com"}
    topics = rules.read_page(FORM.pages[4], lambda n: "", lambda n: ["bins", "forged"])
    assert topics.answers == {"topics": ["bins"]}
    assert rules.read_page(FORM.pages[4], lambda n: "", lambda n: []).errors == {"topics": "Select a topic"}


def test_answers_are_shown_back_in_words() -> None:
    assert rules.display(PAPER, "yes") == "Yes"
    assert rules.display(TOPICS, ["roads", "bins"]) == "Roads, Bins"
    assert rules.display(ADDRESS, "") == "Not provided"
    assert rules.display(Question(key="f", type="file", label="F", noun="a file"), {"id": "1", "name": "a.pdf"}) == "a.pdf"
    assert rules.display(Question(key="d", type="date", label="D", noun="the date"), "2026-03-05") == "5 March 2026"
    assert rules.summary_label(NAME) == "Your name"
    assert rules.values_from_answers(FORM.pages[4], {}) == {"topics": []}
    assert rules.values_from_answers(FORM.pages[0], {"name": "Sam"}) == {"name": "Sam"}
