"""Display code: turn a :class:`planner.plan.Plan` into pydeck layers and tables for the app.

Nothing here plans: every number comes from the plan (its KPIs, routes, posts, risk), this module
only picks colours, label positions and text. The map needs no tile server: its style is a blank
MapLibre style served by Streamlit from ``ui/static/`` (``--server.enableStaticServing true``).

The plan map is built here (:func:`build_deck`: streets by risk, routes, dwells
with their minutes, posts with their reach, stations, must-cover and forbidden places, and where
each unit is at a chosen time); the scenario editor's pick map (click a
street to place a station or a place, in :mod:`ui.pick_map`) and the legend
(:mod:`ui.legend`) use its layers and colours.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pydeck as pdk
import shapely

from planner.hotspots import kept_apart
from planner.plan import Plan, station_roles
from planner.tracks import direction_marks, route_pieces
from ui.view import ASSUMED_WIDTH_PX, fit_view, focus_points

#: Map style served by Streamlit from ``ui/static/`` (a dict style crashes the frontend).
BLANK_STYLE = "/app/static/blank-style.json"

#: Decimal places of the coordinates sent to the browser (~10 cm).
COORD_DIGITS = 6

#: Most street-name labels sent (each street's first, longest streets first, then more along
#: the streets), and the least distance between two label anchors, metres.
MAX_LABELS = 1200
LABEL_SEPARATION_M = 150.0
#: Shortest named segment that carries a label of its own (shorter ones: the name is too long).
MIN_LABEL_SEGMENT_M = 40.0

#: Risk-density classes: upper percentile of each class, colour, street width in metres, label.
RISK_CLASSES: tuple[tuple[float, tuple[int, int, int], float, str], ...] = (
    (50.0, (220, 220, 220), 2.0, "lower half"),  # the lightest: a grey print keeps the order
    (75.0, (254, 204, 92), 3.0, "50-75th percentile"),
    (90.0, (253, 141, 60), 4.0, "75-90th percentile"),
    (97.0, (240, 59, 32), 5.0, "90-97th percentile"),
    (100.0, (189, 0, 38), 6.0, "top 3 %"),
)

#: Officer colours (cycled past eight), chosen to stay apart as everyone sees them: each pair at
#: least 25 CIE76 units (CIELAB distance) apart in full colour and as readers with the common
#: red-green deficiencies see it (deuteranopia, protanopia), the first four at least 35 and 15
#: apart in lightness (a grey print), and each at least 18 from the risk ramp's colours.
OFFICER_COLOURS: tuple[tuple[int, int, int], ...] = (
    (136, 17, 255),  # violet
    (102, 221, 136),  # light green
    (34, 153, 238),  # azure
    (102, 17, 119),  # plum
    (119, 85, 85),  # brown
    (187, 187, 221),  # lavender
    (68, 17, 170),  # indigo
    (102, 119, 153),  # slate
)

POST_COLOUR = (60, 60, 70)

#: Width of a route in pixels (on a white edge 3 pixels wider).
ROUTE_PX = 4

#: Metres walked between two arrowheads showing a route's direction.
ARROW_EVERY_M = 200.0

#: Height of the stop-minute labels in metres (the labels grow as the map is zoomed in).
DWELL_LABEL_M = 12.0
#: Radius in pixels of a stop's dot, and how much wider each earlier unit's ring at one hot spot.
DWELL_DOT_PX, DWELL_RING_PX = 5, 3
MUST_COVER_COLOUR = (0, 150, 80)
FORBIDDEN_COLOUR = (200, 0, 0)
#: Where a call for service took a unit (after a re-plan), as on the briefing's maps.
CALL_COLOUR = (230, 126, 34)


def officer_colour(officer: int) -> list[int]:
    """RGB colour of an officer's route and dwells (officers are numbered from 1)."""
    return list(OFFICER_COLOURS[(officer - 1) % len(OFFICER_COLOURS)])


def text_on(colour: Sequence[int]) -> list[int]:
    """Return black or white, whichever reads better on ``colour`` (WCAG luminance contrast)."""
    linear = [c / 255 / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in colour]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    on_black, on_white = (luminance + 0.05) / 0.05, 1.05 / (luminance + 0.05)
    return [0, 0, 0] if on_black > on_white else [255, 255, 255]


def risk_classes(density_per_m: np.ndarray) -> np.ndarray:
    """Index into :data:`RISK_CLASSES` of each segment, by percentile of its risk density.

    Parameters
    ----------
    density_per_m : numpy.ndarray
        Risk per metre of each segment (``plan.risk.density_per_m(plan.graph)``).

    Returns
    -------
    numpy.ndarray
        Integer class per segment, 0 (lowest) to ``len(RISK_CLASSES) - 1``.
    """
    if len(density_per_m) == 0:
        return np.zeros(0, dtype=np.int64)
    cuts = np.percentile(density_per_m, [c[0] for c in RISK_CLASSES[:-1]])
    return np.searchsorted(cuts, density_per_m, side="left").astype(np.int64)


def path_coords(coords: np.ndarray) -> list[list[float]]:
    """Round [lon, lat] pairs and drop consecutive repeats."""
    rounded = np.round(np.asarray(coords)[:, :2], COORD_DIGITS)
    keep = np.ones(len(rounded), dtype=bool)
    keep[1:] = np.any(np.diff(rounded, axis=0) != 0, axis=1)
    return rounded[keep].tolist()


def _clock(iso: str) -> str:
    """``HH:MM`` of an ISO timestamp."""
    return iso[11:16]


def street_records(plan: Plan, wgs84: gpd.GeoSeries) -> list[dict[str, Any]]:
    """One record per street segment: path, colour and width by risk class, tooltip text."""
    segments = plan.graph.segments
    classes = risk_classes(plan.risk.density_per_m(plan.graph))
    names = segments["name"].fillna("").tolist()  # a missing name is NaN
    lengths = segments["length_m"].to_numpy()
    records = []
    for i, geom in enumerate(wgs84):
        _, colour, width_m, label = RISK_CLASSES[classes[i]]
        name = names[i] or "unnamed street"
        records.append(
            {
                "path": path_coords(shapely.get_coordinates(geom)),
                "color": list(colour),
                "width": width_m,
                "tip": f"{name}, {lengths[i]:.0f} m\nrisk density: {label}",
            }
        )
    return records


def route_records(plan: Plan, wgs84: gpd.GeoSeries) -> list[dict[str, Any]]:
    """One record per piece of each walked route: the track as a path, its colour, tooltip."""
    figures = {o["officer"]: o for o in plan.kpis["routes"]["per_officer"]}
    records = []
    for route in plan.routes:
        o = figures[route.officer]
        gone = o.get("gone_at")  # gone for the rest of the shift: not walked back
        ends = f"gone from {_clock(gone)}" if gone else f"back at {_clock(o['back_at_station'])}"
        for piece in route_pieces(plan, route, wgs84):  # apart where a call took the unit
            if len(piece) < 2:
                continue
            records.append(
                {
                    "path": path_coords(np.array([(lon, lat) for lon, lat, _ in piece])),
                    "color": officer_colour(route.officer),
                    "tip": (
                        f"{plan.unit_word.capitalize()} {route.officer}: "
                        f"{o['km_walked']:.2f} km, {o['dwells']} dwells, {ends}"
                    ),
                }
            )
    return records


def arrow_records(routes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Arrowheads (an ASCII ``>`` turned to the heading) along each route, the way it is walked."""
    return [
        {
            "position": [round(lon, COORD_DIGITS), round(lat, COORD_DIGITS)],
            "text": ">",
            "angle": round(angle, 1),
            "color": route["color"],
        }
        for route in routes
        for lon, lat, angle in direction_marks(route["path"], ARROW_EVERY_M)
    ]


def station_records(plan: Plan) -> list[dict[str, Any]]:
    """Where the routes start and end (the stations), one record per distinct node."""
    roles = {
        node: {k for k, units in r.items() if units}
        for node, r in station_roles(plan.routes).items()
    }
    nodes = plan.graph.nodes
    return [
        {
            "position": [
                round(float(nodes.at[node, "lon"]), COORD_DIGITS),
                round(float(nodes.at[node, "lat"]), COORD_DIGITS),
            ],
            "tip": f"Station: {' and '.join(sorted(roles[node], reverse=True))} of the routes",
        }
        for node in sorted(roles)
    ]


def call_records(plan: Plan) -> list[dict[str, Any]]:
    """Where each call for service before a re-plan took a unit, with its times (from its KPIs)."""
    return [
        {
            "position": [call["lon"], call["lat"]],
            "tip": (
                f"{plan.unit_word.capitalize()} {call['unit']}: call for service "
                f"{_clock(call['since'])}-{_clock(call['until'])}"
            ),
        }
        for call in (plan.kpis.get("replan") or {}).get("calls", [])
    ]


def dwell_records(plan: Plan) -> list[dict[str, Any]]:
    """One record per dwell (from the plan's hot-spot dosage KPIs), the largest dots first.

    Where several units stop at one hot spot, each gets a ring of its own colour: the first to
    arrive the widest, drawn first, so that later units' smaller dots do not hide it.
    """
    dosage = plan.kpis["hotspot_dosage"]
    units: dict[int, list[int]] = {}
    for d in dosage:
        seen = units.setdefault(d["hotspot"], [])
        if d["officer"] not in seen:
            seen.append(d["officer"])
    records = [
        {
            "position": [round(d["lon"], COORD_DIGITS), round(d["lat"], COORD_DIGITS)],
            "color": officer_colour(d["officer"]),
            "radius": DWELL_DOT_PX
            + DWELL_RING_PX
            * (len(units[d["hotspot"]]) - 1 - units[d["hotspot"]].index(d["officer"])),
            "tip": (
                f"{plan.unit_word.capitalize()} {d['officer']} dwells at hot spot "
                f"{d['hotspot']}, {d['place']}\n{_clock(d['arrive'])}, {d['minutes']:.0f} min"
            ),
        }
        for d in dosage
    ]
    return sorted(records, key=lambda r: -r["radius"])


def post_records(plan: Plan) -> list[dict[str, Any]]:
    """One record per fixed post: position, visibility radius in metres, tooltip."""
    radius_m = float(plan.scenario.posts.visibility_radius_m)
    return [
        {
            "position": [round(p.lon, COORD_DIGITS), round(p.lat, COORD_DIGITS)],
            "radius": radius_m,
            "tip": (
                f"Post {k} at {p.place}\nwatches {p.watched_risk:.1%} of the area's risk "
                f"(streets within {radius_m:.0f} m walk)"
            ),
        }
        for k, p in enumerate(plan.posts, start=1)
    ]


def label_records(
    plan: Plan, max_labels: int = MAX_LABELS, min_separation_m: float = LABEL_SEPARATION_M
) -> list[dict[str, Any]]:
    """Street-name labels at the middle of named segments, turned along the street, best first.

    Each street's first label sits on its longest segment, and the streets with the most named
    length come first; then more labels along the streets, on their longer segments. A label
    closer than ``min_separation_m`` to one before it is left out, and at most ``max_labels``
    are kept. The map shows those that do not overlap one before them at its zoom
    (:func:`label_layer`): zoomed in, more of them.
    """
    segments = plan.graph.segments
    named = segments[segments["name"].notna()]
    if len(named) == 0:
        return []
    length = named.groupby("name")["length_m"].sum()
    order = named.assign(street_m=named["name"].map(length)).sort_values(
        ["street_m", "name", "length_m"], ascending=[False, True, False], kind="stable"
    )
    first = ~order["name"].duplicated()
    later = order[~first & (order["length_m"] >= MIN_LABEL_SEGMENT_M)]
    along = later.sort_values("length_m", ascending=False, kind="stable").index
    ranked = order.loc[[*order.index[first], *along]]
    geoms = ranked.geometry.to_numpy()
    # Label anchor and direction, measured in the projected (metre) CRS.
    middle = shapely.line_interpolate_point(geoms, 0.5, normalized=True)
    before = shapely.line_interpolate_point(geoms, 0.45, normalized=True)
    after = shapely.line_interpolate_point(geoms, 0.55, normalized=True)
    xy = shapely.get_coordinates(middle)
    kept = kept_apart(xy, np.full(len(xy), min_separation_m / 2.0), max_labels)
    dx = shapely.get_x(after[kept]) - shapely.get_x(before[kept])
    dy = shapely.get_y(after[kept]) - shapely.get_y(before[kept])
    angle = np.degrees(np.arctan2(dy, dx))
    angle = np.where(angle > 90, angle - 180, np.where(angle < -90, angle + 180, angle))
    lonlat = gpd.GeoSeries(middle[kept], crs=segments.crs).to_crs("EPSG:4326")
    names = ranked["name"].to_numpy()[kept]
    return [
        {
            "position": [round(pt.x, COORD_DIGITS), round(pt.y, COORD_DIGITS)],
            "name": str(name),
            "angle": round(float(a), 1),
        }
        for name, pt, a in zip(names, lonlat, angle, strict=True)
    ]


def dwell_minute_records(plan: Plan) -> list[dict[str, Any]]:
    """One label per dosed hot spot: its stops and their minutes ("3 x 15 min", "2 stops, 25 min").

    ASCII only: the map's text layer draws no other characters.
    """
    spots: dict[int, dict[str, Any]] = {}
    for d in plan.kpis["hotspot_dosage"]:
        spot = spots.setdefault(
            d["hotspot"],
            {"position": [round(d["lon"], COORD_DIGITS), round(d["lat"], COORD_DIGITS)], "min": []},
        )
        spot["min"].append(round(d["minutes"]))
    return [
        {"position": s["position"], "text": _stops_text(s["min"])} for _, s in sorted(spots.items())
    ]


def _stops_text(minutes: list[int]) -> str:
    """Label of a hot spot's stops, e.g. ``15 min``, ``3 x 15 min``, ``2 stops, 25 min``."""
    if len(minutes) == 1:
        return f"{minutes[0]} min"
    if len(set(minutes)) == 1:
        return f"{len(minutes)} x {minutes[0]} min"
    return f"{len(minutes)} stops, {sum(minutes)} min"


def place_records(
    must_cover: list[dict[str, Any]], forbidden: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Must-cover points and forbidden zones of a scenario (``places`` section, as dicts)."""
    cover = [
        {
            "position": [round(p["lon"], COORD_DIGITS), round(p["lat"], COORD_DIGITS)],
            "tip": f"Must cover: {p.get('name') or 'unnamed place'}",
        }
        for p in must_cover
    ]
    zones = [
        {
            "position": [round(p["lon"], COORD_DIGITS), round(p["lat"], COORD_DIGITS)],
            "radius": float(p.get("radius_m", 100.0)),
            "tip": f"Forbidden: {p.get('name') or 'unnamed zone'} ({p.get('radius_m', 100):.0f} m)",
            "label": f"no-go: {p['name']}" if p.get("name") else "no-go",
        }
        for p in forbidden
    ]
    return cover, zones


def place_layers(cover: list[dict[str, Any]], zones: list[dict[str, Any]]) -> list[pdk.Layer]:
    """Forbidden zones (red discs of their radius), must-cover places (green rings), zone names.

    A zone is named on the map ("no-go: ..."), as on the briefing: in a grey print, or to a
    reader who does not see its red, it must not read as a post's watched disc.
    """
    return [
        pdk.Layer(
            "ScatterplotLayer",
            id="forbidden",
            data=zones,
            get_position="position",
            get_radius="radius",
            radius_units="'meters'",
            get_fill_color=[*FORBIDDEN_COLOUR, 40],
            get_line_color=[*FORBIDDEN_COLOUR, 230],
            stroked=True,
            line_width_min_pixels=3,
            pickable=True,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            id="must-cover",
            data=cover,
            get_position="position",
            get_radius=12,
            radius_units="'meters'",
            radius_min_pixels=7,
            get_fill_color=[255, 255, 255, 0],
            get_line_color=[*MUST_COVER_COLOUR, 255],
            stroked=True,
            filled=False,
            line_width_min_pixels=3,
            pickable=True,
        ),
        text_layer(
            "forbidden-names",
            zones,
            get_text="label",
            get_color=[*FORBIDDEN_COLOUR, 255],
            background=True,
            get_background_color=[255, 255, 255, 220],
            background_padding=[3, 1],
        ),
    ]


def text_layer(layer_id: str, data: list[dict[str, Any]], **style: object) -> pdk.Layer:
    """Write each record's text at its ``position``, bold sans-serif 13 px unless ``style`` says."""
    return pdk.Layer(
        "TextLayer",
        id=layer_id,
        data=data,
        get_position="position",
        **{
            "get_size": 13,
            "size_units": "'pixels'",
            "character_set": "'auto'",
            "font_family": "'sans-serif'",
            "font_weight": 700,
            **style,
        },
    )


def station_layer(
    records: list[dict[str, Any]],
    layer_id: str = "stations",
    fill: tuple[int, ...] = (0, 0, 0),
    ring: tuple[int, ...] = (255, 220, 0),
) -> pdk.Layer:
    """Stations: black discs ringed in yellow (other colours mark other places, e.g. calls)."""
    return pdk.Layer(
        "ScatterplotLayer",
        id=layer_id,
        data=records,
        get_position="position",
        get_radius=10,
        radius_units="'meters'",
        radius_min_pixels=7,
        get_fill_color=list(fill),
        get_line_color=list(ring),
        stroked=True,
        line_width_min_pixels=3,
        pickable=True,
    )


def street_layer(
    records: list[dict[str, Any]], layer_id: str = "streets", min_pixels: int = 1
) -> pdk.Layer:
    """Streets as paths with a colour and a width in metres per record (pickable).

    ``min_pixels`` is the narrowest a street is drawn, and so picked by a click.
    """
    return pdk.Layer(
        "PathLayer",
        id=layer_id,
        data=records,
        get_path="path",
        get_color="color",
        get_width="width",
        width_units="'meters'",
        width_min_pixels=min_pixels,
        cap_rounded=True,
        joint_rounded=True,
        pickable=True,
        auto_highlight=True,
    )


def label_layer(records: list[dict[str, Any]]) -> pdk.Layer:
    """Street names along their streets (see :func:`label_records`), none over another.

    deck.gl's collision filter hides, at each zoom, a name that would overlap one before it in
    ``records`` (the longest streets first): zoomed in, more names show.
    """
    ranked = [{**r, "rank": len(records) - i} for i, r in enumerate(records)]
    return text_layer(
        "street-names",
        ranked,
        extensions=[{"@@type": "CollisionFilterExtension"}],
        get_collision_priority="rank",
        get_text="name",
        get_angle="angle",
        get_size=12,
        get_color=[30, 30, 30],
        font_weight=600,
        # A box in the map's background colour; an SDF halo loses thin glyphs (i, l).
        background=True,
        get_background_color=[242, 239, 233, 200],
        background_padding=[2, 1],
    )


def base_records(plan: Plan) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Build the street records by risk and the street-name labels of a plan.

    They depend on the streets and the risk only: plans that differ in their routes can share
    them (cache them by risk).
    """
    wgs84 = plan.graph.segments.geometry.to_crs("EPSG:4326")
    return street_records(plan, wgs84), label_records(plan)


def plan_layers(
    plan: Plan, base: tuple[list[dict[str, Any]], list[dict[str, Any]]] | None = None
) -> list[pdk.Layer]:
    """Layers of a plan that do not depend on the time shown (cache them per plan).

    ``base`` is :func:`base_records` of the plan (or of a plan with the same streets and risk).

    pydeck sends a plain string as an accessor expression (``"@@=meters"``): constant string
    props are quoted (``"'meters'"``). Layer ids, bottom to top: ``post-reach``, ``forbidden``,
    ``streets``, ``street-names``, ``route-casing``, ``routes``, ``route-arrows``, ``dwells``,
    ``dwell-minutes``, ``posts``, ``must-cover``, ``forbidden-names``, ``stations`` and, after a
    re-plan with calls, ``calls``.
    """
    wgs84 = plan.graph.segments.geometry.to_crs("EPSG:4326")
    streets, labels = base if base is not None else base_records(plan)
    posts = post_records(plan)
    routes = route_records(plan, wgs84)
    places = plan.scenario.places.model_dump(mode="json")
    cover, zones = place_records(places["must_cover"], places["forbidden"])
    forbidden_layer, cover_layer, zone_names = place_layers(cover, zones)
    calls = call_records(plan)
    return [
        pdk.Layer(
            "ScatterplotLayer",
            id="post-reach",
            data=posts,
            get_position="position",
            get_radius="radius",
            radius_units="'meters'",
            get_fill_color=[*POST_COLOUR, 28],
            get_line_color=[*POST_COLOUR, 150],
            stroked=True,
            line_width_min_pixels=1,
            pickable=True,
        ),
        forbidden_layer,
        street_layer(streets),
        label_layer(labels),
        pdk.Layer(  # a white edge: a route stands out from the risk colours under it
            "PathLayer",
            id="route-casing",
            data=routes,
            get_path="path",
            get_color=[255, 255, 255],
            get_width=ROUTE_PX + 3,
            width_units="'pixels'",
            cap_rounded=True,
            joint_rounded=True,
        ),
        pdk.Layer(
            "PathLayer",
            id="routes",
            data=routes,
            get_path="path",
            get_color="color",
            get_width=ROUTE_PX,
            width_units="'pixels'",
            cap_rounded=True,
            joint_rounded=True,
            pickable=True,
        ),
        text_layer(
            "route-arrows",
            arrow_records(routes),
            get_text="text",
            get_angle="angle",
            get_color="color",
            get_size=17,
            billboard=False,  # flat on the map: a turned map turns the arrowheads with it
        ),
        pdk.Layer(
            "ScatterplotLayer",
            id="dwells",
            data=dwell_records(plan),
            get_position="position",
            get_radius="radius",
            radius_units="'pixels'",
            get_fill_color="color",
            get_line_color=[255, 255, 255],
            stroked=True,
            line_width_min_pixels=1,
            pickable=True,
        ),
        text_layer(
            "dwell-minutes",
            dwell_minute_records(plan),
            get_text="text",
            # In metres, capped: small at the first view, readable once zoomed in.
            get_size=DWELL_LABEL_M,
            size_units="'meters'",
            size_max_pixels=13,
            get_color=[80, 0, 20],
            get_pixel_offset=[0, -12],
            background=True,
            get_background_color=[255, 255, 255, 210],
            background_padding=[2, 1],
        ),
        pdk.Layer(
            "ScatterplotLayer",
            id="posts",
            data=posts,
            get_position="position",
            get_radius=6,
            radius_units="'meters'",
            radius_min_pixels=5,
            get_fill_color=[*POST_COLOUR, 255],
            get_line_color=[255, 255, 255],
            stroked=True,
            line_width_min_pixels=2,
            pickable=True,
        ),
        cover_layer,
        zone_names,
        station_layer(station_records(plan)),
        *([station_layer(calls, "calls", CALL_COLOUR, (0, 0, 0))] if calls else []),
    ]


def plan_view(
    plan: Plan, layers: list[pdk.Layer], width_px: int = ASSUMED_WIDTH_PX
) -> pdk.ViewState:
    """Fit the first view of a plan map to its routes and posts (every street without them)."""
    by_id = {layer.id: layer for layer in layers}
    return fit_view(
        *focus_points(plan, by_id["routes"].data, by_id["post-reach"].data), width_px=width_px
    )


def build_deck(
    plan: Plan,
    layers: list[pdk.Layer] | None = None,
    extra: list[pdk.Layer] | None = None,
    width_px: int = ASSUMED_WIDTH_PX,
) -> pdk.Deck:
    """Build the plan map from :func:`plan_layers` (built when not given) and extra layers.

    Parameters
    ----------
    plan : Plan
        The plan drawn.
    layers : list of pydeck.Layer, optional
        ``plan_layers(plan)``, when the caller caches them.
    extra : list of pydeck.Layer, optional
        Layers drawn on top (the units at the time shown, :mod:`ui.timeline`).
    width_px : int
        Width assumed when fitting the first view (narrower maps side by side).

    Returns
    -------
    pydeck.Deck
        With the local blank style and a tooltip showing each object's ``tip``.
    """
    layers = layers if layers is not None else plan_layers(plan)
    return pdk.Deck(
        layers=[*layers, *(extra or [])],
        initial_view_state=plan_view(plan, layers, width_px),
        map_style=BLANK_STYLE,
        tooltip={"text": "{tip}"},
    )
