"""Server-drawn SVG charts (shared/charts.py), parsed back with xml.etree."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from shared.charts import COLOURS, bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = ["Apr 2026", "May 2026", "Jun 2026", "Jul 2026", "Aug 2026", "Sep 2026", "Oct 2026", "Nov 2026",
          "Dec 2026", "Jan 2027", "Feb 2027", "Mar 2027"]


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 - our own output, parsed to check it


def texts(svg: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in svg.iter(f"{SVG}text")]


def bars(svg: ET.Element) -> list[ET.Element]:
    return [r for r in svg.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]


def test_a_bar_chart_is_an_image_named_by_its_title_and_described_in_words() -> None:
    chart = bar_chart("Cases closed", ["Information rights", "Complaints"], [("Closed", [1234, 56])], unit="cases")
    assert isinstance(chart, Markup)
    svg = parse(chart)
    assert svg.get("role") == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert title.text == "Cases closed"
    assert desc.text == "Bar chart of Cases closed. Information rights: 1,234 cases; Complaints: 56 cases."
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def test_it_scales_by_its_view_box() -> None:
    svg = parse(bar_chart("T", ["A"], [("S", [1])]))
    _, _, width, height = (float(n) for n in (svg.get("viewBox") or "").split())
    assert width == 400 and height > 0 and svg.get("width") == "100%" and svg.get("height") is None


def test_one_bar_per_value_each_labelled_with_its_value() -> None:
    svg = parse(bar_chart("On time", ["A", "B", "C"], [("On time", [92.5, 80, 45]), ("Late", [7.5, 20, None])],
                          unit="%", category_label="Team"))
    assert len(bars(svg)) == 5  # the missing value draws no bar...
    words = texts(svg)
    assert "On time: 92.5%" in words and "Late: 20%" in words and "Late: No data" in words  # ...but says so
    assert {"On time", "Late"} <= set(words)  # a legend in words
    assert {"A", "B", "C"} <= set(words) and "Team" in words and "Per cent" in words  # both axes labelled
    assert {b.get("fill") for b in bars(svg)} == set(COLOURS[:2])
    desc = svg.find(f"{SVG}desc")
    assert desc is not None and "C: On time 45%, Late no data" in (desc.text or "")


def test_single_series_bars_carry_bare_values_and_the_axis_names_the_unit() -> None:
    svg = parse(bar_chart("Closed", ["Jan", "Feb"], [("Closed", [1500, 0])], unit="cases"))
    words = texts(svg)
    assert "1,500 cases" in words and "0 cases" in words and "Cases" in words and "1,500" in words
    assert len(bars(svg)) == 2


def test_labels_are_escaped() -> None:
    chart = bar_chart("<b>Title</b>", ["<script>alert(1)</script>", "A & B"], [("\"quoted\" <i>", [1, 2])])
    assert "<script>" not in chart and "<b>" not in chart and "<i>" not in chart
    svg = parse(chart)  # still well-formed XML
    title = svg.find(f"{SVG}title")
    assert title is not None and title.text == "<b>Title</b>"
    assert "<script>alert(1)…" in texts(svg) and "A & B" in texts(svg)
    desc = svg.find(f"{SVG}desc")
    assert desc is not None and "<script>alert(1)</script>: 1; A & B: 2" in (desc.text or "")
    assert not list(svg.iter(f"{SVG}script")) and not list(svg.iter("script"))


def test_long_labels_wrap_to_two_lines_and_keep_their_full_text_in_the_description() -> None:
    name = "Complaints and customer feedback team for the north east region"
    svg = parse(bar_chart("T", [name], [("S", [3])]))
    spans = [t.text or "" for t in svg.iter(f"{SVG}tspan")]
    assert len(spans) == 2 and spans[1].endswith("…")
    desc = svg.find(f"{SVG}desc")
    assert desc is not None and name in (desc.text or "")


@pytest.mark.parametrize("chart", [
    bar_chart("Nothing yet", [], []),
    bar_chart("Nothing yet", ["A"], [("S", [None])]),
    line_chart("Nothing yet", [], []),
    line_chart("Nothing yet", MONTHS[:2], [("S", [None, None])]),
])
def test_no_data_says_so(chart: Markup) -> None:
    svg = parse(chart)
    assert "No data" in texts(svg) and not bars(svg)
    desc = svg.find(f"{SVG}desc")
    assert desc is not None and (desc.text or "").endswith("of Nothing yet: no data.")
    assert svg.get("role") == "img"


def test_mismatched_or_impossible_values_are_refused() -> None:
    with pytest.raises(ValueError, match="2 values for 3 categories"):
        bar_chart("T", ["A", "B", "C"], [("S", [1, 2])])
    with pytest.raises(ValueError, match="finite"):
        line_chart("T", ["A"], [("S", [float("nan")])])


def test_a_line_chart_per_month_with_shapes_dashes_and_a_legend() -> None:
    chart = line_chart("Requests received", MONTHS, [("FOI", [12, 15, 9, None, 20, 22, 18, 17, 25, 30, 28, 26]),
                                                     ("EIR", [3, 4, 2, 5, 6, 4, 3, 2, 5, 6, 7, 8])],
                       value_label="Requests")
    svg = parse(chart)
    title = svg.find(f"{SVG}title")
    assert title is not None and title.text == "Requests received" and svg.get("role") == "img"
    lines = list(svg.iter(f"{SVG}polyline"))
    assert len(lines) == 3  # FOI breaks at the missing July rather than inventing a value
    assert {line.get("stroke-dasharray") for line in lines} == {None, "8 4"}  # told apart without colour
    markers = [m for m in svg.iter() if m is not svg and m.find(f"{SVG}title") is not None]
    assert len(markers) == 23 and {m.tag for m in markers} == {f"{SVG}circle", f"{SVG}rect"}
    words = texts(svg)
    assert {"FOI", "EIR", "Month", "Requests", "Apr 2026", "Mar 2027"} <= set(words)
    desc = svg.find(f"{SVG}desc")
    assert desc is not None
    assert "FOI, from Apr 2026 to Mar 2027: Apr 2026: 12; May 2026: 15; Jun 2026: 9; Jul 2026: no data" in (desc.text or "")
    assert "Highest 30 in Jan 2027, lowest 9 in Jun 2026." in (desc.text or "")


def test_a_single_line_labels_its_points() -> None:
    svg = parse(line_chart("Median days", ["Apr", "May"], [("Days", [10.5, 12])], unit="days"))
    words = texts(svg)
    assert "10.5" in words and "12" in words and "Days" in words


def test_ids_are_stable_and_can_be_chosen() -> None:
    one, two = bar_chart("T", ["A"], [("S", [1])]), bar_chart("T", ["A"], [("S", [1])])
    assert one == two
    svg = parse(bar_chart("T", ["A"], [("S", [1])], chart_id="report-closed"))
    assert svg.get("aria-labelledby") == "report-closed-title report-closed-desc"


def test_jinja_renders_the_chart_as_markup_without_escaping_it_twice() -> None:
    from jinja2 import Environment

    template = Environment(autoescape=True).from_string("<figure>{{ chart }}</figure>")
    html = template.render(chart=bar_chart("A & B", ["<x>"], [("S", [1])]))
    assert html.startswith("<figure><svg ") and "&amp;lt;" not in html and "<x>" not in html
