"""Charts as SVG drawn on the server: bars, stacked bars and lines. No script, no CDN, and
they print.

Every text is escaped; each chart is an image (``role="img"``) named by its ``<title>``; the
table next to it carries the same figures for screen readers. Colours come from one fixed
palette, dark enough to read in print and told apart by their order in the legend.
"""

import hashlib
import math
from collections.abc import Callable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#2563eb", "#f59e0b", "#059669", "#dc2626", "#7c3aed", "#0891b2", "#db2777",
           "#64748b")
WIDTH = 640
FONT = 'font-family="system-ui, sans-serif" font-size="11"'
LABEL_CHARACTERS = 26

Format = Callable[[float], str]


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ") if float(value).is_integer() else f"{value:.2f}"


def _short(label: object) -> str:
    text = str(label)
    return text if len(text) <= LABEL_CHARACTERS else text[:LABEL_CHARACTERS - 1] + "…"


def _svg(title: str, height: int, body: list[str], seed: str, width: int = WIDTH) -> SafeString:
    chart_id = "chart-" + hashlib.sha1(f"{title}|{seed}".encode()).hexdigest()[:10]
    return mark_safe(  # noqa: S308 - every text inside went through escape()
        f'<svg class="report-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'preserveAspectRatio="xMinYMin meet" aria-labelledby="{chart_id}">'
        f'<title id="{chart_id}">{escape(title)}</title>' + "".join(body) + "</svg>")


def _empty(title: str) -> SafeString:
    return _svg(title, 60, [f'<text x="{WIDTH / 2}" y="34" text-anchor="middle" {FONT} '
                            f'fill="#6b7785">No data in this range</text>'], "empty")


def _legend(names: Sequence[str], y: float, x: float = 0) -> list[str]:
    parts = []
    for index, name in enumerate(names):
        colour = PALETTE[index % len(PALETTE)]
        parts.append(f'<rect x="{x:.1f}" y="{y - 9}" width="10" height="10" rx="2" '
                     f'fill="{colour}"/>'
                     f'<text x="{x + 14:.1f}" y="{y}" {FONT} fill="#1f2933">{escape(name)}</text>')
        x += 24 + 6.5 * len(str(name))
    return parts


def bar_chart(categories: Sequence[object], series: Sequence[tuple[str, Sequence]], *,
              title: str, value_format: Format = _number, heading: str = "") -> SafeString:
    """Horizontal bars, one group per category, one bar per series (None: no bar);
    ``heading`` is written above them (for two charts side by side)."""
    values = [value for _, column in series for value in column if value is not None]
    if not categories or not values:
        return _empty(title)
    largest = max(max(values), 1)
    label_width, value_width = 170, 90
    plot = WIDTH - label_width - value_width
    bar, gap = 14, 10
    body, top = [], 4
    if heading:
        body.append(f'<text x="0" y="13" font-family="system-ui, sans-serif" font-size="13" '
                    f'font-weight="600" fill="#1f2933">{escape(heading)}</text>')
        top += 20
    if len(series) > 1:
        body += _legend([name for name, _ in series], top + 8, label_width)
        top += 18
    group = bar * len(series) + gap
    for row, category in enumerate(categories):
        y = top + row * group
        body.append(f'<text x="{label_width - 8}" y="{y + bar * len(series) / 2 + 4:.1f}" '
                    f'text-anchor="end" {FONT} fill="#1f2933">'
                    f'<title>{escape(category)}</title>{escape(_short(category))}</text>')
        for index, (_, column) in enumerate(series):
            value = column[row]
            if value is None:
                continue
            width = max(plot * value / largest, 1 if value else 0)
            bar_y = y + index * bar
            body.append(f'<rect x="{label_width}" y="{bar_y}" width="{width:.1f}" '
                        f'height="{bar - 2}" rx="2" fill="{PALETTE[index % len(PALETTE)]}"/>'
                        f'<text x="{label_width + width + 4:.1f}" y="{bar_y + bar - 4}" {FONT} '
                        f'fill="#1f2933">{escape(value_format(value))}</text>')
    height = top + len(categories) * group
    return _svg(title, height, body, f"bar{len(categories)}")


def stacked_bar_chart(categories: Sequence[object], series: Sequence[tuple[str, Sequence]], *,
                      title: str) -> SafeString:
    """Horizontal bars, one per category, each split into its series; the total at the end."""
    totals = [sum(column[row] or 0 for _, column in series) for row in range(len(categories))]
    if not categories or not any(totals):
        return _empty(title)
    largest = max(totals)
    label_width, value_width, bar, gap, top = 170, 60, 16, 8, 24
    plot = WIDTH - label_width - value_width
    body = _legend([name for name, _ in series], 12, label_width)
    for row, category in enumerate(categories):
        y = top + row * (bar + gap)
        body.append(f'<text x="{label_width - 8}" y="{y + bar - 4}" text-anchor="end" {FONT} '
                    f'fill="#1f2933"><title>{escape(category)}</title>'
                    f'{escape(_short(category))}</text>')
        x = float(label_width)
        for index, (name, column) in enumerate(series):
            value = column[row] or 0
            if not value:
                continue
            width = plot * value / largest
            body.append(f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{bar}" '
                        f'fill="{PALETTE[index % len(PALETTE)]}" stroke="#fff" stroke-width="1">'
                        f'<title>{escape(name)}: {escape(_number(value))}</title></rect>')
            x += width
        body.append(f'<text x="{x + 4:.1f}" y="{y + bar - 4}" {FONT} fill="#1f2933">'
                    f'{escape(_number(totals[row]))}</text>')
    height = top + len(categories) * (bar + gap)
    return _svg(title, height, body, f"stack{len(categories)}")


def _nice_ceiling(value: float) -> float:
    """The next of 1, 2, 5 × 10ⁿ at or above ``value``: a round top for the axis."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def line_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence]], *, title: str,
               value_format: Format = _number, y_range: tuple[float, float] | None = None,
               width: int = WIDTH) -> SafeString:
    """Lines over ``labels`` (the x axis, in order); a None value breaks its line. ``width``:
    the chart's natural width (a page-wide chart is wider than one of two side by side)."""
    values = [value for _, column in series for value in column if value is not None]
    if not labels or not values:
        return _empty(title)
    low, high = y_range or (0, _nice_ceiling(max(values)))
    left, right, top, bottom, height = 56, 16, 26, 34, 250
    plot_width, plot_height = width - left - right, height - top - bottom
    step = plot_width / max(len(labels) - 1, 1)

    def x_of(index: int) -> float:
        return left + (index * step if len(labels) > 1 else plot_width / 2)

    def y_of(value: float) -> float:
        return top + plot_height * (1 - (value - low) / ((high - low) or 1))

    body = _legend([name for name, _ in series], 12, left)
    for tick in range(5):
        value = low + (high - low) * tick / 4
        y = y_of(value)
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                    f'stroke="#e3e6eb"/><text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
                    f'{FONT} fill="#6b7785">{escape(value_format(value))}</text>')
    every = max(1, math.ceil(len(labels) / (width // 90)))
    for index, label in enumerate(labels):
        if index % every == 0:
            body.append(f'<text x="{x_of(index):.1f}" y="{height - bottom + 16}" '
                        f'text-anchor="middle" {FONT} fill="#6b7785">{escape(label)}</text>')
    dots = len(labels) <= 62
    for index, (name, column) in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        runs, run = [], []
        for position, value in enumerate(column):
            if value is None:
                runs, run = runs + [run] if run else runs, []
                continue
            run.append(f"{x_of(position):.1f},{y_of(value):.1f}")
            if dots:
                body.append(f'<circle cx="{x_of(position):.1f}" cy="{y_of(value):.1f}" r="2.5" '
                            f'fill="{colour}"><title>{escape(name)}, {escape(labels[position])}: '
                            f'{escape(value_format(value))}</title></circle>')
        runs.append(run)
        for points in runs:
            if len(points) > 1:
                body.append(f'<polyline points="{" ".join(points)}" fill="none" '
                            f'stroke="{colour}" stroke-width="2" stroke-linejoin="round"/>')
    return _svg(title, height, body, f"line{len(labels)}", width)
