"""The maps' legend: risk classes of the streets, officer colours and the symbols, as HTML."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ui.map import (
    CALL_COLOUR,
    FORBIDDEN_COLOUR,
    MUST_COVER_COLOUR,
    OFFICER_COLOURS,
    POST_COLOUR,
    RISK_CLASSES,
    officer_colour,
    text_on,
)

if TYPE_CHECKING:
    from planner.plan import Plan


def _chip(colour: tuple[int, ...], shape: str = "line") -> str:
    rgb = f"rgb{tuple(colour[:3])}"
    pale = "rgba({}, {}, {}, 0.2)".format(*colour[:3])  # a disc's fill, pale as on the map
    if shape == "dot":
        style = f"width:0.8em;height:0.8em;border-radius:50%;background:{rgb}"
    elif shape == "ring":
        style = f"width:0.7em;height:0.7em;border-radius:50%;border:3px solid {rgb}"
    elif shape == "station":
        style = (
            "width:0.7em;height:0.7em;border-radius:50%;background:#000;border:3px solid #ffdc00"
        )
    elif shape == "call":
        style = f"width:0.7em;height:0.7em;border-radius:50%;background:{rgb};border:2px solid #000"
    elif shape == "unit":  # as the map draws where a unit is: its colour, its number on it
        text = "rgb({}, {}, {})".format(*text_on(colour))
        style = (
            f"width:16px;height:16px;border-radius:50%;background:{rgb};border:2px solid #fff;"
            f"box-shadow:0 0 0 1px #999;color:{text};font-size:10px;font-weight:bold;"
            "display:inline-flex;align-items:center;justify-content:center;line-height:1;"
            "box-sizing:border-box"
        )
    elif shape in ("disc", "zone"):  # a no-go zone's edge is thick, and it is named on the map
        edge = 3 if shape == "zone" else 1
        style = (
            f"width:0.9em;height:0.9em;border-radius:50%;background:{pale};"
            f"border:{edge}px solid {rgb}"
        )
    else:
        style = f"width:1.6em;height:0.6em;background:{rgb}"
    box = "display:inline-block;vertical-align:middle;margin:0 0.3em 0 0.9em"
    return f'<span style="{box};{style}">{"1" if shape == "unit" else ""}</span>'


def legend_html(
    officers: int = 0,
    risk: bool = True,
    word: str = "officer",
    posts: bool = True,
    places: bool = True,
    calls: bool = False,
    units: bool = False,
) -> str:
    """HTML legend: risk classes of the streets, route colours and the map's symbols.

    ``officers`` routes are named ``word`` 1, 2, ... (``"unit"`` for pairs); the symbols of
    fixed posts, of must-cover and forbidden places, of calls for service and of where each
    unit is at the map's time (``units``) are listed when the map may show them.
    """
    parts = []
    if risk:
        chips = "".join(_chip(colour) + label for _, colour, _, label in RISK_CLASSES)
        parts.append(f"Street risk (risk per metre): {chips}")
    if officers:
        chips = "".join(
            _chip(tuple(officer_colour(n))) + f"{word} {n}"
            for n in range(1, min(officers, len(OFFICER_COLOURS)) + 1)
        )
        more = " (colours repeat)" if officers > len(OFFICER_COLOURS) else ""
        arrow = '<b style="margin:0 0.3em 0 0.9em">&gt;</b>direction walked'
        parts.append(f"Routes and dwells: {chips}{more}{arrow}")
    shown: list[tuple[tuple[int, ...], str, str]] = [((0, 0, 0), "station", "station")]
    if posts:
        shown += [(POST_COLOUR, "dot", "post"), (POST_COLOUR, "disc", "post visibility radius")]
    if places:
        shown += [
            (MUST_COVER_COLOUR, "ring", "must cover"),
            (FORBIDDEN_COLOUR, "zone", "forbidden (no-go, named)"),
        ]
    if calls:
        shown.append((CALL_COLOUR, "call", "call for service"))
    if units:
        shown.append((tuple(officer_colour(1)), "unit", f"where each {word} is at the time chosen"))
    symbols = "".join(_chip(colour, shape) + label for colour, shape, label in shown)
    parts.append(f"Symbols: {symbols}")
    return "<small>" + "<br>".join(parts) + "</small>"


def plan_legend(plan: Plan, officers: int, word: str, units: bool = False) -> str:
    """Legend of a map of ``plan``: its posts and places only if it has any.

    ``units``: the map shows where each unit is at a time (the Plan tab's).
    """
    places = plan.scenario.places
    return legend_html(
        officers=officers,
        word=word,
        posts=bool(plan.posts),
        places=bool(places.must_cover or places.forbidden),
        calls=bool((plan.kpis.get("replan") or {}).get("calls")),
        units=units,
    )
