import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from planner.avoid import avoided_segments, dark_during, sun_elevation_deg


def test_darkness_follows_the_sun_in_helsinki():
    zone = ZoneInfo("Europe/Helsinki")
    noon = dt.datetime(2026, 6, 21, 13, 0, tzinfo=zone)
    assert sun_elevation_deg(60.17, 24.94, noon) == pytest.approx(53.3, abs=1.0)
    midsummer_night = (noon.replace(hour=22), noon.replace(hour=23, minute=30))
    winter_evening = (noon.replace(month=12, hour=18), noon.replace(month=12, hour=20))
    assert not dark_during(60.17, 24.94, *midsummer_night)  # white nights: twilight only
    assert dark_during(60.17, 24.94, *winter_evening)


def test_darkness_begins_at_civil_dusk_not_at_full_night():
    # Helsinki, 21 December: sunset 15:13, civil dusk (sun 6 degrees down) about 16:11; the
    # sky is not fully dark (18 degrees) until about 17:50, but streets are dark from dusk
    zone = ZoneInfo("Europe/Helsinki")
    day = dt.datetime(2026, 12, 21, 15, 0, tzinfo=zone)
    assert not dark_during(60.17, 24.94, day, day.replace(hour=16))
    assert dark_during(60.17, 24.94, day.replace(hour=16, minute=30), day.replace(hour=17))


def test_avoiding_unlit_ways_says_when_most_streets_carry_no_lit_tag(helsinki, tmp_path):
    import dataclasses

    from planner.errors import PlannerWarning
    from planner.patrol_rules import warn_untagged_light
    from planner.scenario import parse_scenario

    data = {
        "name": "dark",
        "shift": {"date": "2026-12-04", "start": "18:00", "end": "22:00"},
        "officers": {"count": 1, "station": {"lat": 60.1699, "lon": 24.9384}},
    }
    plain = parse_scenario(data, "s.yaml", tmp_path)
    data["officers"]["avoid"] = ["unlit_after_dark"]
    dark = parse_scenario(data, "s.yaml", tmp_path)
    warn_untagged_light(dark, helsinki, frozenset())  # Helsinki tags most: no warning
    seg = helsinki.segments
    # only lit=no left, the others without a tag as the street table writes it
    bare = seg.assign(lit=seg["lit"].where(seg["lit"] == "no", "nan"))
    untagged = dataclasses.replace(helsinki, segments=bare)
    with pytest.warns(PlannerWarning, match=r"only the 11 of 3125 streets tagged lit=no"):
        warn_untagged_light(dark, untagged, frozenset({1, 2}))
    warn_untagged_light(plain, untagged, frozenset())  # not asked to avoid them: no warning


def _dark_scenario(tmp_path, date, start, end):
    from planner.scenario import parse_scenario

    data = {
        "name": "dark",
        "shift": {"date": date, "start": start, "end": end},
        "officers": {
            "count": 1,
            "station": {"lat": 60.1699, "lon": 24.9384},
            "avoid": ["unlit_after_dark"],
        },
    }
    return parse_scenario(data, "s.yaml", tmp_path)


def test_unlit_ways_are_avoided_only_when_the_shift_runs_after_dusk(helsinki, tmp_path):
    from planner.patrol_rules import avoided_ways

    zone = ZoneInfo("Europe/Helsinki")
    unlit = set((helsinki.segments["lit"] == "no").to_numpy().nonzero()[0].tolist())
    assert unlit
    winter = _dark_scenario(tmp_path, "2026-12-04", "18:00", "20:00")
    evening = (dt.datetime(2026, 12, 4, 18, tzinfo=zone), dt.datetime(2026, 12, 4, 20, tzinfo=zone))
    assert avoided_ways(winter, helsinki, evening) == unlit
    summer = _dark_scenario(tmp_path, "2026-06-21", "22:00", "23:30")
    white_night = (
        dt.datetime(2026, 6, 21, 22, tzinfo=zone),
        dt.datetime(2026, 6, 21, 23, 30, tzinfo=zone),
    )
    assert avoided_ways(summer, helsinki, white_night) == frozenset()  # twilight: walked


def test_lit_tags_left_empty_count_as_untagged(helsinki, tmp_path):
    import dataclasses

    from planner.errors import PlannerWarning
    from planner.patrol_rules import warn_untagged_light

    seg = helsinki.segments
    empty = seg.assign(lit=seg["lit"].where(seg["lit"] == "no", ""))  # only lit=no written
    blank = dataclasses.replace(helsinki, segments=empty)
    dark = _dark_scenario(tmp_path, "2026-12-04", "18:00", "22:00")
    with pytest.warns(PlannerWarning, match=r"only the 11 of 3125 streets tagged lit=no"):
        warn_untagged_light(dark, blank, frozenset())


def test_private_ways_are_all_that_a_sign_keeps_the_public_off():
    from planner.graph import build_street_graph

    from .conftest import make_grid

    # access=no, customers and delivery close a way to a patrol as private does;
    # permissive and destination ways stay open
    closed = {0: "private", 1: "no", 2: "customers", 3: "delivery"}
    grid = make_grid(5)
    for _, _, data in grid.edges(data=True):
        row = data["name"].removeprefix("Row ").removesuffix(" Street")
        if row.isdigit():
            data["access"] = closed.get(int(row), "permissive")
        else:
            data["access"] = "destination"
    graph = build_street_graph(grid, "5x5 grid with access tags")
    avoided = avoided_segments(graph, ["private"], dark=False)
    expected = {i for i, access in enumerate(graph.segments["access"]) if access in closed.values()}
    assert len(expected) == 4 * 4
    assert avoided == expected


def test_a_street_merged_from_several_ways_is_steps_when_any_of_them_is(helsinki):
    """osmnx merges the ways of a street between two junctions, and lists their tags: a street
    of a footway and a flight of steps is steps, to a patrol keeping off steps."""

    def kinds(value: object) -> list[str]:
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]

    merged = {
        (min(u, v), max(u, v))
        for u, v, data in helsinki.graph.edges(data=True)
        if "steps" in kinds(data.get("highway")) and len(kinds(data.get("highway"))) > 1
    }
    assert len(merged) > 50  # most of Helsinki's steps lie inside such streets
    seg = helsinki.segments
    steps = seg[seg["highway"] == "steps"]
    assert merged <= set(zip(steps["u"], steps["v"], strict=True))
    avoided = seg.iloc[sorted(avoided_segments(helsinki, ["steps"], dark=False))]
    assert len(avoided) == len(steps) and merged <= set(
        zip(avoided["u"], avoided["v"], strict=True)
    )


def test_a_street_merged_from_a_public_way_and_a_private_one_is_private():
    from planner.graph import build_street_graph

    from .conftest import make_grid

    graph = make_grid()
    for u, v in ((0, 1), (1, 0)):  # osmnx lists the tags of the ways it merged into a street
        graph.edges[u, v, 0]["access"] = ["destination", "no"]
    streets = build_street_graph(graph, "grid")
    seg = streets.segments
    (row,) = seg.index[(seg["u"] == 0) & (seg["v"] == 1)]
    assert seg.at[row, "access"] == "no"
    assert avoided_segments(streets, ["private"], dark=False) == {int(row)}
