"""Server-rendered SVG charts: no JavaScript, no CDN, readable without colour (every chart
has a title, a <desc> and the numbers as text). Labels arrive already translated; every
value that reaches the markup is escaped. Numbers are written as the page's locale writes
them (CLDR), and in a right-to-left language the charts are mirrored: labels at the right,
bars growing leftwards, time running from right to left, as readers of Arabic expect."""

import math
from collections.abc import Sequence
from decimal import Decimal

from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.cldr import format_number

WIDTH, HEIGHT = 640, 220
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 48, 16, 24, 36
PALETTE = ("#1f4e79", "#d9822b", "#3a7d44", "#8e44ad", "#c0392b", "#16a085")


def _number(value) -> float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal | int | float) else None


def _label(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float | Decimal):
        return format_number(value, 2)
    return format_number(value) if isinstance(value, int) else str(value)


def _mirror(width: int):
    """x as drawn: the same left to right, measured from the right edge right to left. Text
    keeps ``text-anchor`` start, which the SVG's ``direction`` turns to the right end."""
    if translation.get_language_bidi():
        return lambda x: width - x
    return lambda x: x


def _svg(title: str, body: list[str], width: int = WIDTH, height: int = HEIGHT) -> SafeString:
    direction = "rtl" if translation.get_language_bidi() else "ltr"
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'direction="{direction}" '
        f'class="analytics-chart" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def line_chart(
    title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | Decimal | int | None]]]
) -> SafeString:
    """One or more daily series; a missing (suppressed) value breaks the line."""
    values = [_number(v) for _name, points in series for v in points]
    known = [v for v in values if v is not None]
    top = max([*known, 0.0]) or 1.0
    bottom = min([*known, 0.0])
    span = (top - bottom) or 1.0
    plot_w, plot_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM
    n = max(len(labels), 1)
    mx = _mirror(WIDTH)

    def x(i: int) -> float:
        return mx(PAD_LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2))

    def y(v: float) -> float:
        return PAD_TOP + plot_h * (1 - (v - bottom) / span)

    body = [f"<desc>{escape(title)}</desc>"]
    body.append(
        f'<line x1="{mx(PAD_LEFT)}" y1="{y(0):.1f}" x2="{mx(WIDTH - PAD_RIGHT)}" y2="{y(0):.1f}" '
        'stroke="#bbb"/>'
    )
    body.append(f'<text x="{mx(4)}" y="{PAD_TOP + 4}" font-size="11">{escape(_label(top))}</text>')
    if bottom < 0:
        body.append(
            f'<text x="{mx(4)}" y="{HEIGHT - PAD_BOTTOM}" font-size="11">{escape(_label(bottom))}</text>'
        )
    step = max(1, math.ceil(n / 8))
    for i in range(0, len(labels), step):
        body.append(
            f'<text x="{x(i):.1f}" y="{HEIGHT - 12}" font-size="10" text-anchor="middle">'
            f"{escape(labels[i])}</text>"
        )
    for index, (name, points) in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        segments, current = [], []
        for i, value in enumerate(points):
            number = _number(value)
            if number is None:
                if current:
                    segments.append(current)
                current = []
            else:
                current.append(f"{x(i):.1f},{y(number):.1f}")
        if current:
            segments.append(current)
        for segment in segments:
            if len(segment) == 1:
                cx, cy = segment[0].split(",")
                body.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{colour}"/>')
            else:
                body.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(segment)}"/>'
                )
        body.append(
            f'<text x="{mx(PAD_LEFT + 8 + 140 * index)}" y="14" font-size="11" fill="{colour}">'
            f"■ {escape(name)}</text>"
        )
    return _svg(title, body)


def bar_chart(title: str, bars: Sequence[tuple[str, float | Decimal | int | None]]) -> SafeString:
    """Horizontal bars (a funnel, a ranking); a suppressed value shows as "—" with no bar."""
    row_h = 28
    height = PAD_TOP + row_h * max(len(bars), 1) + 8
    known = [_number(v) for _label_text, v in bars if _number(v) is not None]
    top = max([*known, 0.0]) or 1.0
    label_w = 170
    plot_w = WIDTH - label_w - 80
    mx = _mirror(WIDTH)
    body = [f"<desc>{escape(title)}</desc>"]
    for i, (name, value) in enumerate(bars):
        y = PAD_TOP + i * row_h
        number = _number(value)
        width = 0 if number is None else max(plot_w * max(number, 0) / top, 1)
        body.append(f'<text x="{mx(4)}" y="{y + 17}" font-size="12">{escape(name)}</text>')
        # A mirrored bar starts where its unmirrored end would be.
        left = min(mx(label_w), mx(label_w + width))
        body.append(
            f'<rect x="{left:.1f}" y="{y + 4}" width="{width:.1f}" height="18" '
            f'fill="{PALETTE[i % len(PALETTE)]}"/>'
        )
        body.append(
            f'<text x="{mx(label_w + width + 6):.1f}" y="{y + 17}" font-size="12">'
            f"{escape(_label(value))}</text>"
        )
    return _svg(title, body, height=height)


def network_chart(
    title: str, nodes: Sequence[tuple[str, float]], edges: Sequence[tuple[int, int, float]]
) -> SafeString:
    """Nodes on a circle sized by score (centrality), edges as lines as thick as their
    weight; nodes are (label, score in 0..1), edges (i, j, weight)."""
    size = 420
    centre, radius = size / 2, size / 2 - 70
    n = max(len(nodes), 1)
    points = [
        (
            centre + radius * math.cos(2 * math.pi * i / n - math.pi / 2),
            centre + radius * math.sin(2 * math.pi * i / n - math.pi / 2),
        )
        for i in range(len(nodes))
    ]
    heaviest = max([w for _i, _j, w in edges] + [0.0]) or 1.0
    body = [f"<desc>{escape(title)}</desc>"]
    for i, j, weight in edges:
        (x1, y1), (x2, y2) = points[i], points[j]
        body.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#7f8c8d" '
            f'stroke-opacity="0.7" stroke-width="{1 + 7 * weight / heaviest:.1f}"/>'
        )
    for (label, score), (x, y) in zip(nodes, points, strict=True):
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{8 + 22 * score:.1f}" fill="{PALETTE[0]}"/>')
        body.append(
            f'<text x="{x:.1f}" y="{y + 36 + 22 * score:.1f}" font-size="12" text-anchor="middle">'
            f"{escape(label)} ({escape(format_number(score, 2))})</text>"
        )
    return _svg(title, body, width=size, height=size)
