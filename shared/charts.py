"""Charts drawn on the server as SVG: no JavaScript, readable by screen readers, scaled to any width.

Each chart is an ``<svg role="img">`` named by its ``<title>`` and summarised in
its ``<desc>`` (every value, in words), so a screen reader announces the data,
not a picture. Colour is never the only cue (WCAG 1.4.1): bars carry their
values (and series name when there are several), lines carry a distinct dash
and marker shape, and there is a text legend. Shapes have a dark outline,
because some GOV.UK colours (orange) are too light on white to pass WCAG
1.4.11's 3:1 on their own. A viewBox and ``width="100%"`` let the chart shrink
to a 320 px phone; font sizes are chosen to stay legible there.

Put a chart in a ``<figure>`` with a visible ``<figcaption>``, and offer the
same numbers as a table or download: a chart is a summary, not the record.
All text is escaped, so labels may come from users.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

Value = int | float | None
Series = tuple[str, Sequence[Value]]

#: GOV.UK Frontend colours, in the order series take them.
COLOURS = ("#1d70b8", "#f47738", "#00703c", "#d4351c", "#4c2c92", "#28a197", "#d53880", "#b58840")
TEXT = "#0b0c0c"
SECONDARY_TEXT = "#505a5f"
GRID = "#b1b4b6"
#: Line dash patterns and marker shapes, so lines differ in more than colour.
DASHES = ("", "8 4", "2 3", "10 3 2 3")
MARKERS = ("circle", "square", "triangle", "diamond")

WIDTH = 400  # viewBox units: at 320 px the 14-unit text is 11 px
FONT = 14
SMALL = 12
CHAR = 0.56  # average character width as a share of the font size, for laying out without measuring
FONT_FAMILY = '"GDS Transport", arial, sans-serif'


def bar_chart(title: str, categories: Sequence[str], series: Sequence[Series], *, unit: str = "",
              value_label: str | None = None, category_label: str = "", chart_id: str | None = None) -> Markup:
    """Horizontal bars, one group per category and one bar per series, each labelled with its value.

    Horizontal because category names (teams, case types) are long and a phone
    is narrow. ``unit`` follows each value ("%" directly, anything else after a
    space: "12 days"); the value axis is labelled ``value_label``, by default
    the unit. None is a missing value: no bar, and "No data" beside it.
    """
    _check(categories, series)
    ident = chart_id or _ident("bar", title, categories, series)
    if _empty(categories, series):
        return _no_data(ident, title, "Bar chart")
    several = len(series) > 1
    labels = [_lines(c, 17) for c in categories]
    left = 8 + max(_text_width(line, FONT) for lines in labels for line in lines)
    value_texts = [[_bar_text(name, v, unit, several) for v in values] for name, values in series]
    right = 14 + max(_text_width(t, SMALL) for texts in value_texts for t in texts)  # room for "100%" past the bar
    values = [v for _, vs in series for v in vs if v is not None]
    low, high, ticks = _scale(min(0.0, *values), max(0.0, *values))
    plot_left, plot_right = left + 4, max(left + 84, WIDTH - right)
    bar, gap, group_gap = 18, 3, 14
    group = len(series) * bar + (len(series) - 1) * gap
    top = 8 + (_legend_height(series) if several else 0) + (20 if category_label else 0)
    body_height = len(categories) * (group + group_gap)
    height = top + body_height + 58

    def x(value: float) -> float:
        return plot_left + (value - low) / (high - low) * (plot_right - plot_left)

    parts = [_open(ident, title, _bar_summary(title, categories, series, unit), WIDTH, height)]
    if several:
        parts.append(_legend(series, 8, "bar"))
    axis_top, axis_bottom = top, top + body_height
    parts.append(_value_grid(ticks, unit, x, axis_top, axis_bottom))
    for index, lines in enumerate(labels):
        y0 = top + index * (group + group_gap) + group_gap / 2
        parts.append(_label_lines(lines, left, y0 + group / 2, anchor="end"))
        for number, (name, values_) in enumerate(series):
            value = values_[index]
            y = y0 + number * (bar + gap)
            text = value_texts[number][index]
            if value is None:
                parts.append(_text(text, plot_left + 4, y + bar / 2, size=SMALL, fill=SECONDARY_TEXT))
                continue
            start, end = sorted((x(0), x(value)))
            colour = COLOURS[number % len(COLOURS)]
            parts.append(f'<rect x="{start:.1f}" y="{y:.1f}" width="{max(end - start, 1):.1f}" height="{bar}" '
                         f'fill="{colour}" stroke="{TEXT}" stroke-width="0.5"><title>{escape(categories[index])}: '
                         f'{escape(_bar_text(name, value, unit, True))}</title></rect>')
            label_x = end + 4 if value >= 0 else start - 4
            parts.append(_text(text, label_x, y + bar / 2, size=SMALL, anchor="start" if value >= 0 else "end"))
    zero = x(0)
    parts.append(f'<line x1="{zero:.1f}" y1="{axis_top}" x2="{zero:.1f}" y2="{axis_bottom}" stroke="{TEXT}"/>')
    parts.append(_text(value_label if value_label is not None else _unit_name(unit), (plot_left + plot_right) / 2,
                       axis_bottom + 42, anchor="middle", weight="bold"))
    if category_label:
        parts.append(_text(category_label, left, top - 8, anchor="end", weight="bold", baseline="auto"))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every piece of text above went through escape()


def line_chart(title: str, months: Sequence[str], series: Sequence[Series], *, unit: str = "",
               value_label: str | None = None, category_label: str = "Month", chart_id: str | None = None) -> Markup:
    """Lines over a run of months (or any ordered labels: "Apr 2026"), one per series.

    Each line has its own dash and marker shape besides its colour, shown in
    the legend, and each marker's tooltip names its series and value; a lone
    series has every point's value labelled.
    None is a month without data: the line breaks there rather than inventing a value.
    """
    _check(months, series)
    ident = chart_id or _ident("line", title, months, series)
    if _empty(months, series):
        return _no_data(ident, title, "Line chart")
    several = len(series) > 1
    values = [v for _, vs in series for v in vs if v is not None]
    low, high, ticks = _scale(min(0.0, *values), max(0.0, *values))
    tick_width = max(_text_width(_tick(t, unit), SMALL) for t in ticks)
    plot_left, plot_right = 30 + tick_width, WIDTH - 20
    top = 8 + (_legend_height(series) if several else 0) + 12
    plot_height = 180
    bottom = top + plot_height
    step = (plot_right - plot_left) / max(len(months) - 1, 1)
    rotate = max(_text_width(m, SMALL) for m in months) > step - 4
    label_room = (max(_text_width(m, SMALL) for m in months) * 0.72 + 10) if rotate else 20
    height = bottom + label_room + 34

    def x(index: int) -> float:
        return plot_left + index * step if len(months) > 1 else (plot_left + plot_right) / 2

    def y(value: float) -> float:
        return bottom - (value - low) / (high - low) * plot_height

    parts = [_open(ident, title, _line_summary(title, months, series, unit), WIDTH, height)]
    if several:
        parts.append(_legend(series, 8, "line"))
    for tick in ticks:
        parts.append(f'<line x1="{plot_left}" y1="{y(tick):.1f}" x2="{plot_right}" y2="{y(tick):.1f}" stroke="{GRID}" '
                     'stroke-width="1"/>')
        parts.append(_text(_tick(tick, unit), plot_left - 6, y(tick), size=SMALL, anchor="end"))
    parts.append(f'<line x1="{plot_left}" y1="{y(0):.1f}" x2="{plot_right}" y2="{y(0):.1f}" stroke="{TEXT}"/>')
    for index, month in enumerate(months):
        if rotate:
            parts.append(f'<text x="{x(index):.1f}" y="{bottom + 14:.1f}" font-size="{SMALL}" text-anchor="end" '
                         f'transform="rotate(-45 {x(index):.1f} {bottom + 14:.1f})" fill="{TEXT}">'
                         f'{escape(month)}</text>')
        else:
            parts.append(_text(month, x(index), bottom + 14, size=SMALL, anchor="middle"))
    for number, (name, series_values) in enumerate(series):
        colour, dash, marker = (COLOURS[number % len(COLOURS)], DASHES[number % len(DASHES)],
                                MARKERS[number % len(MARKERS)])
        for run in _runs(series_values):
            points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in run)
            dashing = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="3"{dashing}/>')
        for index, value in enumerate(series_values):
            if value is None:
                continue
            text = f"{months[index]}: {_format(value, unit)}" + (f" ({name})" if several else "")
            parts.append(_marker(marker, x(index), y(value), colour, text))
            if not several:
                parts.append(_text(_tick(value, unit), x(index), y(value) - 12, size=SMALL, anchor="middle",
                                   baseline="auto"))
    parts.append(_text(category_label, (plot_left + plot_right) / 2, height - 10, anchor="middle", weight="bold"))
    axis_name = value_label if value_label is not None else _unit_name(unit)
    middle = (top + bottom) / 2
    parts.append(f'<text x="14" y="{middle:.1f}" font-size="{FONT}" font-weight="bold" text-anchor="middle" '
                 f'dominant-baseline="central" transform="rotate(-90 14 {middle:.1f})" fill="{TEXT}">'
                 f'{escape(axis_name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every piece of text above went through escape()


# --- words ----------------------------------------------------------------------------------

def _format(value: float, unit: str = "") -> str:
    """A value as a person reads it: thousands separated, at most one decimal place, with its unit."""
    if isinstance(value, int) or float(value).is_integer():
        number = f"{int(value):,}"
    else:
        number = f"{value:,.1f}"
        if number.endswith(".0"):
            number = number[:-2]
    if not unit:
        return number
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}"


def _tick(value: float, unit: str) -> str:
    """An axis number: the axis label names the unit, except "%", which is short and clearer on every tick."""
    return _format(value, unit if unit == "%" else "")


def _unit_name(unit: str) -> str:
    return {"": "Value", "%": "Per cent"}.get(unit, unit[:1].upper() + unit[1:])


def _bar_text(name: str, value: Value, unit: str, several: bool) -> str:
    shown = "No data" if value is None else _format(value, unit)
    return f"{name}: {shown}" if several else shown


def _bar_summary(title: str, categories: Sequence[str], series: Sequence[Series], unit: str) -> str:
    if len(series) == 1:
        items = [f"{c}: {_value_words(series[0][1][i], unit)}" for i, c in enumerate(categories)]
    else:
        items = [f"{c}: " + ", ".join(f"{name} {_value_words(values[i], unit)}" for name, values in series)
                 for i, c in enumerate(categories)]
    return f"Bar chart of {title}. " + "; ".join(items) + "."


def _line_summary(title: str, months: Sequence[str], series: Sequence[Series], unit: str) -> str:
    parts = []
    for name, values in series:
        known = [(m, v) for m, v in zip(months, values, strict=True) if v is not None]
        points = "; ".join(f"{m}: {_value_words(v, unit)}" for m, v in zip(months, values, strict=True))
        trend = ""
        if len(known) > 1:
            highest = max(known, key=lambda p: p[1])
            lowest = min(known, key=lambda p: p[1])
            trend = (f" Highest {_format(highest[1], unit)} in {highest[0]}, lowest {_format(lowest[1], unit)} "
                     f"in {lowest[0]}.")
        parts.append(f"{name}, from {months[0]} to {months[-1]}: {points}.{trend}")
    return f"Line chart of {title}. " + " ".join(parts)


def _value_words(value: Value, unit: str) -> str:
    return "no data" if value is None else _format(value, unit)


# --- drawing --------------------------------------------------------------------------------

def _open(ident: str, title: str, summary: str, width: int, height: float) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" viewBox="0 0 {width} {height:.0f}" '
            f'width="100%" preserveAspectRatio="xMinYMin meet" '
            f'role="img" aria-labelledby="{ident}-title {ident}-desc" font-family=\'{FONT_FAMILY}\' '
            f'font-size="{FONT}">'
            f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(summary)}</desc>')


def _no_data(ident: str, title: str, kind: str) -> Markup:
    height = 60
    return Markup(  # noqa: S704 - the title is escaped
        _open(ident, title, f"{kind} of {title}: no data.", WIDTH, height)
        + f'<rect x="0.5" y="0.5" width="{WIDTH - 1}" height="{height - 1}" fill="none" stroke="{GRID}"/>'
        + _text("No data", WIDTH / 2, height / 2, anchor="middle", fill=SECONDARY_TEXT) + "</svg>")


def _text(text: str, x: float, y: float, *, size: int = FONT, anchor: str = "start", fill: str = TEXT,
          weight: str = "normal", baseline: str = "central") -> str:
    extra = f' font-weight="{weight}"' if weight != "normal" else ""
    extra += f' dominant-baseline="{baseline}"' if baseline != "auto" else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"{extra}>'
            f'{escape(text)}</text>')


def _label_lines(lines: Sequence[str], x: float, middle: float, *, anchor: str) -> str:
    first = middle - (len(lines) - 1) * FONT * 0.6
    spans = "".join(f'<tspan x="{x:.1f}" dy="{0 if i == 0 else FONT * 1.2:.1f}">{escape(line)}</tspan>'
                    for i, line in enumerate(lines))
    return (f'<text x="{x:.1f}" y="{first:.1f}" text-anchor="{anchor}" dominant-baseline="central" '
            f'fill="{TEXT}">{spans}</text>')


def _value_grid(ticks: Sequence[float], unit: str, x: Callable[[float], float], top: float, bottom: float) -> str:
    parts = []
    for tick in ticks:
        position = x(tick)
        parts.append(f'<line x1="{position:.1f}" y1="{top}" x2="{position:.1f}" y2="{bottom}" stroke="{GRID}"/>')
        parts.append(_text(_tick(tick, unit), position, bottom + 14, size=SMALL, anchor="middle"))
    return "".join(parts)


def _legend_height(series: Sequence[Series]) -> int:
    return 22 * _legend_rows(series)


def _legend_rows(series: Sequence[Series]) -> int:
    rows, used = 1, 0.0
    for name, _ in series:
        width = 30 + _text_width(name, SMALL) + 14
        if used and used + width > WIDTH - 16:
            rows, used = rows + 1, 0.0
        used += width
    return rows


def _legend(series: Sequence[Series], top: float, kind: str) -> str:
    parts, x, y = [], 8.0, top + 8
    for number, (name, _) in enumerate(series):
        width = 30 + _text_width(name, SMALL) + 14
        if x > 8 and x + width > WIDTH - 8:
            x, y = 8.0, y + 22
        colour = COLOURS[number % len(COLOURS)]
        if kind == "bar":
            parts.append(f'<rect x="{x:.1f}" y="{y - 7:.1f}" width="20" height="14" fill="{colour}" '
                         f'stroke="{TEXT}" stroke-width="0.5"/>')
        else:
            dash = DASHES[number % len(DASHES)]
            dashing = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x + 22:.1f}" y2="{y:.1f}" stroke="{colour}" '
                         f'stroke-width="3"{dashing}/>')
            parts.append(_marker(MARKERS[number % len(MARKERS)], x + 11, y, colour, None))
        parts.append(_text(name, x + 28, y, size=SMALL))
        x += width
    return '<g class="app-chart__legend">' + "".join(parts) + "</g>"


def _marker(shape: str, x: float, y: float, colour: str, text: str | None) -> str:
    tip = f"<title>{escape(text)}</title>" if text else ""
    style = f'fill="{colour}" stroke="{TEXT}" stroke-width="1"'
    r = 4.5
    if shape == "square":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r}" height="{2 * r}" {style}>{tip}</rect>'
    if shape == "triangle":
        points = f"{x:.1f},{y - r - 1:.1f} {x + r + 1:.1f},{y + r:.1f} {x - r - 1:.1f},{y + r:.1f}"
        return f'<polygon points="{points}" {style}>{tip}</polygon>'
    if shape == "diamond":
        points = f"{x:.1f},{y - r - 1:.1f} {x + r + 1:.1f},{y:.1f} {x:.1f},{y + r + 1:.1f} {x - r - 1:.1f},{y:.1f}"
        return f'<polygon points="{points}" {style}>{tip}</polygon>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" {style}>{tip}</circle>'


# --- arithmetic -----------------------------------------------------------------------------

def _check(categories: Sequence[str], series: Sequence[Series]) -> None:
    for name, values in series:
        if len(values) != len(categories):
            raise ValueError(f"The series {name!r} has {len(values)} values for {len(categories)} categories")
        for value in values:
            if value is not None and (isinstance(value, bool) or not math.isfinite(value)):
                raise ValueError(f"The series {name!r} has a value that is not a finite number: {value!r}")


def _empty(categories: Sequence[str], series: Sequence[Series]) -> bool:
    return not categories or not any(v is not None for _, values in series for v in values)


def _ident(kind: str, title: str, categories: Sequence[str], series: Sequence[Series]) -> str:
    """An id from the content, stable between renders; pass ``chart_id`` when one page shows the same chart twice."""
    digest = hashlib.sha256(repr((kind, title, list(categories), [(n, list(v)) for n, v in series])).encode())
    return f"chart-{digest.hexdigest()[:10]}"


def _scale(low: float, high: float) -> tuple[float, float, list[float]]:
    """A range from round numbers covering low..high, and 3 to 6 ticks across it."""
    if low == high:
        high = low + 1
    raw = (high - low) / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if step < 1 and all(float(v).is_integer() for v in (low, high)):
        step = 1
    start, stop = math.floor(low / step) * step, math.ceil(high / step) * step
    ticks = [start + i * step for i in range(round((stop - start) / step) + 1)]
    return start, stop, [round(t, 10) for t in ticks]


def _runs(values: Sequence[Value]) -> list[list[tuple[int, float]]]:
    runs: list[list[tuple[int, float]]] = [[]]
    for index, value in enumerate(values):
        if value is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((index, float(value)))
    return [run for run in runs if run]


def _text_width(text: str, size: int) -> float:
    return len(text) * size * CHAR


def _lines(text: str, width: int) -> list[str]:
    """A label in at most two lines of about ``width`` characters; the rest is cut with an ellipsis.

    The full text is still in the chart's description and each bar's tooltip.
    """
    words, lines, current = text.split(), [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    lines.append(current)
    lines = [line if len(line) <= width else line[: width - 1] + "…" for line in lines]
    if len(lines) > 2:
        lines = [lines[0], lines[1][: width - 1].rstrip() + "…"]
    return lines or [""]
