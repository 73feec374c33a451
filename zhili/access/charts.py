"""Server-side SVG charts: no chart library to ship, nothing loaded from outside."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def _colour(pct: float) -> str:
    if pct >= 90:
        return "#2e7d32"
    if pct >= 60:
        return "#ed8c00"
    return "#c62828"


def coverage_bars(rows: list[dict], *, title: str, width: int = 640, bar: int = 16) -> SafeString:
    """Horizontal bars of coverage % per community, lowest first (where the gaps are).

    ``rows`` carry ``name``, ``code``, ``pct`` (0-100) and ``population``.
    """
    rows = sorted(rows, key=lambda r: (r["pct"], -r["population"]))
    label_w, pad = 150, 4
    plot_w = width - label_w - 60
    height = 30 + len(rows) * (bar + pad) + 20
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for pct in (0, 50, 100):
        x = label_w + plot_w * pct / 100
        out.append(f'<line x1="{x:.1f}" y1="20" x2="{x:.1f}" y2="{height - 18}" stroke="#d8dee6"/>')
        out.append(
            f'<text x="{x:.1f}" y="14" font-size="11" text-anchor="middle" fill="#5f6b7a">{pct}%</text>'
        )
    for i, r in enumerate(rows):
        y = 24 + i * (bar + pad)
        w = plot_w * max(min(r["pct"], 100.0), 0.0) / 100
        name = escape(r.get("name") or r.get("code") or "")
        out.append(
            f'<g data-code="{escape(r.get("code", ""))}"><text x="{label_w - 6}" y="{y + bar - 4}" font-size="12" '
            f'text-anchor="end">{name}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar}" fill="{_colour(r["pct"])}">'
            f"<title>{name}: {r['pct']:.1f}%</title></rect>"
            f'<text x="{label_w + w + 4:.1f}" y="{y + bar - 4}" font-size="11" fill="#5f6b7a">{r["pct"]:.0f}%</text></g>'
        )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above is escaped
