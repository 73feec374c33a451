"""Line charts drawn as inline SVG on the server: no script, no CDN.

``line_chart`` takes plain series (values 0-100, None for "not known yet")
sampled on shared x positions and returns SVG markup ready for a template.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Distinguishable on screen and in greyscale print; red/yellow/green are kept
# for warning colours, so the series use other hues.
PALETTE = (
    "#1f5fa8",
    "#8e44ad",
    "#00897b",
    "#6d4c41",
    "#ef6c00",
    "#3949ab",
    "#c2185b",
    "#546e7a",
    "#7cb342",
    "#5d4037",
)


@dataclass
class Series:
    label: str
    values: Sequence[float | None]
    colour: str = ""
    dashed: bool = False


def line_chart(
    series: Sequence[Series],
    x_labels: Sequence[str],
    *,
    title: str = "",
    width: int = 760,
    height: int = 300,
    y_max: float = 100.0,
    chart_id: str = "",
) -> SafeString:
    left, right, top, bottom = 40, 230, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(1, len(x_labels) - 1)

    def x(i: int) -> float:
        return left + plot_w * i / n

    def y(v: float) -> float:
        return top + plot_h * (1 - max(0.0, min(y_max, v)) / y_max)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}"'
        f' width="100%" preserveAspectRatio="xMinYMin meet"'
        + (f' id="{escape(chart_id)}"' if chart_id else "")
        + f' aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in range(0, 101, 25):
        ty = y(y_max * tick / 100)
        parts.append(
            f'<line x1="{left}" y1="{ty:.1f}" x2="{left + plot_w}" y2="{ty:.1f}" class="grid"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{ty + 4:.1f}" text-anchor="end" class="tick">{tick}%</text>'
        )
    step = max(1, len(x_labels) // 6)
    last = len(x_labels) - 1
    for i, label in enumerate(x_labels):
        # Every step-th label and the last, never two on top of each other.
        if (i % step == 0 and (i == last or x(last) - x(i) >= 60)) or i == last:
            parts.append(
                f'<text x="{x(i):.1f}" y="{top + plot_h + 18}" text-anchor="middle" class="tick">{escape(label)}</text>'
            )
    for k, s in enumerate(series):
        colour = s.colour or PALETTE[k % len(PALETTE)]
        segments: list[list[str]] = [[]]
        for i, v in enumerate(s.values):
            if v is None:
                if segments[-1]:
                    segments.append([])
                continue
            segments[-1].append(f"{x(i):.1f},{y(v):.1f}")
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        for seg in segments:
            if len(seg) == 1:
                cx, cy = seg[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{colour}"/>')
            elif seg:
                parts.append(
                    f'<polyline points="{" ".join(seg)}" fill="none" stroke="{colour}" stroke-width="2"{dash}>'
                    f"<title>{escape(s.label)}</title></polyline>"
                )
        ly = top + 14 + 18 * k
        lx = left + plot_w + 12
        parts.append(
            f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 18}" y2="{ly - 4}" stroke="{colour}" stroke-width="3"{dash}/>'
        )
        final = next((v for v in reversed(s.values) if v is not None), None)
        label = s.label if len(s.label) <= 11 else s.label[:10] + "…"
        # Half up, as the progress bars round (32.5 → 33).
        value = f" {math.floor(final + 0.5)}%" if final is not None else ""
        parts.append(f'<text x="{lx + 24}" y="{ly}" class="legend">{escape(label)}{value}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every text above is escaped)
