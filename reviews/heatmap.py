"""The risk heat map: a 5x5 grid of likelihood by impact, as server-rendered SVG.

Each cell says in words what it holds (its likelihood, impact, score, level and number of
risks), so the picture does not depend on colour and reads to a screen reader.
"""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

CELL = 56
LEFT = 44
TOP = 8
LEVELS = ((20, "critical", "#c62828"), (10, "high", "#ef6c00"), (5, "medium", "#f9a825"))
LOW = (0, "low", "#2e7d32")


def level_of(score: int) -> tuple[str, str]:
    for floor, name, colour in LEVELS:
        if score >= floor:
            return name, colour
    return LOW[1], LOW[2]


def heat_map_svg(grid: list[list[int]]) -> SafeString:
    """`grid[impact - 1][likelihood - 1]` = number of open risks in that cell."""
    width, height = LEFT + 5 * CELL + 8, TOP + 5 * CELL + 40
    total = sum(map(sum, grid))
    cells = []
    for impact in range(1, 6):
        for likelihood in range(1, 6):
            count = grid[impact - 1][likelihood - 1]
            score = likelihood * impact
            level, colour = level_of(score)
            x = LEFT + (likelihood - 1) * CELL
            y = TOP + (5 - impact) * CELL
            label = (
                f"Likelihood {likelihood}, impact {impact}: score {score}, {level}; "
                f"{count} risk{'s' if count != 1 else ''}"
            )
            cells.append(
                (
                    label,
                    x,
                    y,
                    CELL - 2,
                    colour,
                    "0.95" if count else "0.35",
                    x + CELL / 2,
                    y + CELL / 2 + 6,
                    count or "",
                    x + 4,
                    y + 12,
                    level[0].upper(),
                )
            )
    body = format_html_join(
        "",
        '<g role="img" aria-label="{}"><rect x="{}" y="{}" width="{}" height="{}" fill="{}" '
        'fill-opacity="{}" rx="3"/><text x="{}" y="{}" class="count" text-anchor="middle">{}'
        '</text><text x="{}" y="{}" class="level" aria-hidden="true">{}</text></g>',
        ((c[0], c[1], c[2], c[3], c[3], *c[4:]) for c in cells),
    )
    axes = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle" aria-hidden="true">{}</text>',
        [(LEFT + (i - 0.5) * CELL, TOP + 5 * CELL + 16, i) for i in range(1, 6)]
        + [(LEFT - 12, TOP + (5 - i) * CELL + CELL / 2 + 5, i) for i in range(1, 6)],
    )
    return format_html(
        '<svg class="heat-map" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="group" '
        'aria-labelledby="heat-map-title heat-map-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="heat-map-title">Risk heat map</title>'
        '<desc id="heat-map-desc">{total} open risks by likelihood (1 to 5, left to right) and '
        "impact (1 to 5, bottom to top). Letters mark the level: L low, M medium, H high, "
        "C critical.</desc>{body}{axes}"
        '<text x="{cx}" y="{ly}" text-anchor="middle" aria-hidden="true">Likelihood</text>'
        '<text x="14" y="{cy}" text-anchor="middle" transform="rotate(-90 14 {cy})" '
        'aria-hidden="true">Impact</text></svg>',
        w=width,
        h=height,
        total=total,
        body=body,
        axes=axes,
        cx=LEFT + 2.5 * CELL,
        ly=TOP + 5 * CELL + 34,
        cy=TOP + 2.5 * CELL,
    )
