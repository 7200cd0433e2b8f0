"""One email rule: every door an address comes in by refuses exactly what the mailer would refuse, in one message.

An address that passed a looser check at intake (``a..b@example.com``) could
never be mailed: every email to it failed later, out of sight. So intake (and
with it imports and staff corrections), the API, capture, the staff forms and
staff accounts all ask ``shared.mail.validate_address``.
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from backoffice.intake.forms import Question
from backoffice.intake.new_cases import NewCase, Requester, validate
from backoffice.staff.accounts import Role, create_user
from capture.answers import text_error
from shared import audit
from shared.errors import InvalidInput
from shared.mail import ADDRESS_ERROR, InvalidEmailAddress, validate_address
from shared.web.forms import email_error

SYSTEM = audit.Actor(type="system", label="tests")

#: Each of these passed at least one door before the rule was shared, and the mailer refuses every one.
UNMAILABLE = ["a..b@example.com", ".a@example.com", "a.@example.com", "person@example", "person@example.c0m",
              "person@-example.com", "person@example..com", "x(y)@example.com", "person@exa_mple.com",
              "pers\u00f6n@example.com", "a@b@example.com", "x" * 65 + "@example.com",
              "person@" + "a" * 64 + ".com", "a b@example.com", "person@example.com\nBcc: x@example.com"]
MAILABLE = ["a@b.com", "first.o'neill+foi@sub.example.co.uk", "zoe@b\u00fccher.example", "Sam@Example.COM"]
EMAIL_QUESTION = Question(key="email", type="email", label="Email address", noun="your email address")


def _intake_error(address: str) -> str | None:
    new = NewCase(case_type="foi", subject="S", description="D", requester=Requester(name="A", email=address))
    return validate(new).get("requester.email")


def _account_error(db: Session, address: str) -> str | None:
    try:
        with db.begin_nested():
            create_user(db, SYSTEM, email=address, name="A Person", role=Role.CASEWORKER, password=None)
    except InvalidInput as exc:
        return exc.errors.get("email")
    return None


@pytest.mark.parametrize("address", UNMAILABLE)
def test_every_door_refuses_what_the_mailer_refuses_with_one_message(db: Session, address: str) -> None:
    with pytest.raises(InvalidEmailAddress):
        validate_address(address)
    assert _intake_error(address) == ADDRESS_ERROR
    assert email_error(address) == ADDRESS_ERROR
    assert text_error(EMAIL_QUESTION, address) == ADDRESS_ERROR
    assert _account_error(db, address) == ADDRESS_ERROR


@pytest.mark.parametrize("address", MAILABLE)
def test_every_door_takes_what_the_mailer_takes(db: Session, address: str) -> None:
    validate_address(address)
    assert _intake_error(address) is None
    assert email_error(address) is None
    assert text_error(EMAIL_QUESTION, address) is None
    assert _account_error(db, address) is None
