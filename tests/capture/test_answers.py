"""Date answers (capture/answers.py): whatever is typed in the boxes, a GOV.UK error or a date, never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from capture.models import Draft
from tests.capture.conftest import Requester

#: A day of 20 digits (once an OverflowError in datetime), and digits of other scripts, which str.isdigit()
#: takes and int() either refuses (superscript two) or reads (Arabic-Indic, fullwidth).
NOT_REAL = [("99999999999999999999", "1", "1990"), ("9999999999", "1", "1990"), ("1", "99999999999999999999", "1990"),
            ("²", "1", "1990"), ("١٢", "1", "1990"), ("１２", "1", "1990"), ("1", "1", "１９９０")]


@pytest.mark.parametrize(("day", "month", "year"), NOT_REAL)
def test_a_date_of_birth_that_is_no_real_date_is_explained(person: Requester, day: str, month: str, year: str) -> None:
    page = person.answer("sar", "date_of_birth", {"date_of_birth-day": day, "date_of_birth-month": month,
                                                  "date_of_birth-year": year}, status=422)
    person.check(page, status=422, title="Error: What is your date of birth?")
    assert 'class="govuk-error-summary"' in page.text
    assert "Your date of birth must be a real date" in page.text or "Year must include 4 numbers" in page.text
    with person.runtime.factory() as session:
        assert session.scalar(select(func.count(Draft.id))) == 0
