"""What the holidays data gives per nation, and the calendar arithmetic."""

from __future__ import annotations

import pytest

from backoffice.clocks import CalendarError, CalendarSet, HolidayAdjustment, Nation

from .conftest import d

EW, SCT, NI, UK = Nation.ENGLAND_AND_WALES, Nation.SCOTLAND, Nation.NORTHERN_IRELAND, Nation.UK


@pytest.mark.parametrize(
    ("day", "working_in"),
    [
        # one-offs are UK-wide
        ("2022-09-19", set()),
        ("2023-05-08", set()),
        # substitute days for Christmas 2021 and New Year 2022 everywhere; 4 Jan 2022 in Scotland only
        ("2021-12-27", set()),
        ("2021-12-28", set()),
        ("2022-01-03", set()),
        ("2022-01-04", {EW, NI}),
        # Scotland's 2 January, and its substitute when 2 Jan 2027 is a Saturday
        ("2026-01-02", {EW, NI}),
        ("2027-01-04", {EW, NI}),
        # Northern Ireland's own days
        ("2026-03-17", {EW, SCT}),
        ("2024-03-18", {EW, SCT}),  # St Patrick's Day (observed): 17 March 2024 was a Sunday
        ("2027-07-12", {EW, SCT}),
        ("2025-07-14", {EW, SCT}),  # Battle of the Boyne (observed)
        # Easter Monday is not a Scottish bank holiday; first Monday of August and St Andrew's are
        ("2024-04-01", {SCT}),
        ("2024-08-05", {EW, NI}),
        ("2024-08-26", {SCT}),
        ("2024-12-02", {EW, NI}),
        # an ordinary Wednesday
        ("2024-06-12", {EW, SCT, NI}),
    ],
)
def test_which_nations_work_on_a_day(calendars: CalendarSet, day: str, working_in: set[Nation]) -> None:
    for nation in (EW, SCT, NI):
        assert calendars[nation].is_working_day(d(day)) is (nation in working_in), nation
    assert calendars[UK].is_working_day(d(day)) is (working_in == {EW, SCT, NI})


def test_christmas_and_good_friday_never_working(calendars: CalendarSet) -> None:
    for year in range(2000, 2046):
        for nation in Nation:
            cal = calendars[nation]
            assert cal.is_bank_holiday(d(f"{year}-12-25"))
            assert not cal.is_working_day(d(f"{year}-12-25"))
    assert calendars[SCT].holiday_name(d("2027-03-26")) == "Good Friday"


def test_uk_union_names_say_where(calendars: CalendarSet) -> None:
    uk = calendars[UK]
    assert uk.holiday_name(d("2027-01-04")) == "New Year Holiday (observed) in Scotland"
    assert uk.holiday_name(d("2026-03-17")) == "Saint Patrick's Day in Northern Ireland"
    assert uk.holiday_name(d("2024-04-01")) == "Easter Monday in England and Wales and Northern Ireland"
    assert uk.holiday_name(d("2022-09-19")) == "State Funeral of Queen Elizabeth II"


def test_add_working_days_is_strictly_after(calendars: CalendarSet) -> None:
    uk = calendars[UK]
    assert uk.add_working_days(d("2026-12-21"), 1) == d("2026-12-22")
    assert uk.add_working_days(d("2026-12-24"), 1) == d("2026-12-29")
    assert uk.add_working_days(d("2026-12-31"), 1) == d("2027-01-05")
    assert uk.add_working_days(d("2027-01-02"), 1) == d("2027-01-05")  # Saturday, then the Scottish substitute
    assert uk.add_working_days(d("2026-12-21"), 0) == d("2026-12-21")
    assert uk.add_working_days(d("2027-01-05"), -1) == d("2026-12-31")
    assert uk.add_working_days(d("2027-01-04"), -1) == d("2026-12-31")
    assert uk.add_working_days(d("2026-12-29"), -2) == d("2026-12-23")


def test_next_working_day_and_counting(calendars: CalendarSet) -> None:
    ew = calendars[EW]
    assert ew.next_working_day(d("2019-10-27")) == d("2019-10-28")
    assert ew.next_working_day(d("2019-10-28")) == d("2019-10-28")
    assert ew.next_working_day(d("2019-10-28"), strictly_after=True) == d("2019-10-29")
    assert ew.working_days_between(d("2026-12-21"), d("2027-01-22")) == 21  # 4 Jan works in E&W
    assert calendars[UK].working_days_between(d("2026-12-21"), d("2027-01-22")) == 20
    assert calendars[UK].working_days_between(d("2027-01-22"), d("2026-12-21")) == -20
    assert ew.working_days_from(d("2027-02-10"), d("2027-02-16")) == 5
    assert ew.working_days_from(d("2027-02-13"), d("2027-02-14")) == 0
    assert ew.working_days(d("2026-12-24"), d("2026-12-30")) == [d("2026-12-29"), d("2026-12-30")]


def test_non_working_days_between_gives_reasons(calendars: CalendarSet) -> None:
    got = calendars[UK].non_working_days_between(d("2026-12-21"), d("2027-01-05"))
    assert got == [
        (d("2026-12-25"), "Christmas Day"),
        (d("2026-12-26"), "Saturday"),  # Boxing Day on a Saturday costs nothing extra: its substitute does
        (d("2026-12-27"), "Sunday"),
        (d("2026-12-28"), "Boxing Day (observed)"),
        (d("2027-01-01"), "New Year's Day"),
        (d("2027-01-02"), "Saturday"),
        (d("2027-01-03"), "Sunday"),
        (d("2027-01-04"), "New Year Holiday (observed) in Scotland"),
    ]


def test_calendar_refuses_days_outside_its_range() -> None:
    small = CalendarSet(first_year=2026, last_year=2027)
    with pytest.raises(CalendarError, match="outside"):
        small[UK].is_working_day(d("2025-12-31"))
    with pytest.raises(CalendarError, match="outside"):
        small[UK].add_working_days(d("2027-12-20"), 20)


def test_administrator_adds_a_new_bank_holiday() -> None:
    extra = HolidayAdjustment(Nation.SCOTLAND, d("2027-06-14"), "Jubilee Holiday")
    cals = CalendarSet([extra], first_year=2026, last_year=2028)
    assert not cals[SCT].is_working_day(d("2027-06-14"))
    assert not cals[UK].is_working_day(d("2027-06-14"))  # an adjustment to any nation affects the UK union
    assert cals[EW].is_working_day(d("2027-06-14"))
    assert cals[UK].holiday_name(d("2027-06-14")) == "Jubilee Holiday in Scotland"
    everywhere = CalendarSet(
        [HolidayAdjustment(UK, d("2027-06-14"), "Jubilee Holiday")], first_year=2026, last_year=2028
    )
    assert all(not everywhere[n].is_working_day(d("2027-06-14")) for n in Nation)


def test_administrator_removes_a_bank_holiday() -> None:
    cals = CalendarSet([HolidayAdjustment(NI, d("2026-03-17"), "moved", "remove")], first_year=2026, last_year=2027)
    assert cals[NI].is_working_day(d("2026-03-17"))
    assert cals[UK].is_working_day(d("2026-03-17"))


def test_bad_adjustments_are_refused() -> None:
    with pytest.raises(CalendarError, match="never a working day"):
        CalendarSet([HolidayAdjustment(UK, d("2026-12-25"), "x", "remove")], first_year=2026, last_year=2026)
    with pytest.raises(CalendarError, match="never a working day"):
        CalendarSet([HolidayAdjustment(EW, d("2026-04-03"), "x", "remove")], first_year=2026, last_year=2026)
    with pytest.raises(CalendarError, match="not a bank holiday in England and Wales"):
        CalendarSet([HolidayAdjustment(EW, d("2026-03-17"), "x", "remove")], first_year=2026, last_year=2026)
    with pytest.raises(CalendarError, match="outside the calendar years"):
        CalendarSet([HolidayAdjustment(EW, d("2030-01-07"), "x")], first_year=2026, last_year=2026)
    with pytest.raises(CalendarError, match="name"):
        HolidayAdjustment(EW, d("2026-01-07"), " ")


def test_parse_nation_accepts_values_and_names() -> None:
    from backoffice.clocks import parse_nation

    assert parse_nation("northern-ireland") is NI
    assert parse_nation("England_and_Wales") is EW
    assert parse_nation(Nation.UK) is UK
    with pytest.raises(CalendarError, match="unknown nation"):
        parse_nation("wales")
