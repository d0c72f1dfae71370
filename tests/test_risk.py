import dataclasses
import datetime as dt
import re
import warnings
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from planner.briefing import risk_source
from planner.coverage import coverage_matrix, street_pieces
from planner.errors import IncidentDataError, PlannerWarning
from planner.hotspots import find_hotspots, koper_value_min
from planner.incidents import LoadReport
from planner.risk import IncidentModel, annotate_graph, incident_risk, terrain_risk
from planner.window import WindowParams

from .conftest import grid_lonlat

# These tests place a handful of incidents on purpose; the warning that says so has its own test.
pytestmark = pytest.mark.filterwarnings("ignore:only .* near the area's streets:UserWarning")


def bar_at(graph, node):
    row = graph.nodes.loc[node]
    return gpd.GeoDataFrame(
        {"key": ["amenity"], "value": ["bar"], "name": ["The Bar"]},
        geometry=[Point(row["x_m"], row["y_m"])],
        crs=graph.crs,
    )


def test_terrain_risk_sums_to_one_and_peaks_beside_the_bar(grid):
    pieces = street_pieces(grid)
    risk = terrain_risk(grid, bar_at(grid, 5), pieces, bandwidth_m=100, background_share=0.1)
    assert risk.segment_risk.sum() == pytest.approx(1.0)
    seg = grid.segments
    touching = (seg["u"] == 5) | (seg["v"] == 5)
    assert (
        risk.segment_risk[touching.to_numpy()].min() > risk.segment_risk[~touching.to_numpy()].max()
    )
    assert risk.method == "terrain"


def test_terrain_risk_is_background_out_of_reach_and_split_by_weight_near_features(grid):
    pieces = street_pieces(grid)
    stop = bar_at(grid, 15).assign(key="highway", value="bus_stop")  # the opposite corner
    features = pd.concat([bar_at(grid, 0), stop], ignore_index=True)
    risk = terrain_risk(grid, features, pieces, bandwidth_m=20, background_share=0.1)
    seg = grid.segments
    lengths = seg["length_m"].to_numpy()
    background = 0.1 * lengths / lengths.sum()
    at_bar = ((seg["u"] == 0) | (seg["v"] == 0)).to_numpy()
    at_stop = ((seg["u"] == 15) | (seg["v"] == 15)).to_numpy()
    # every other street starts 100 m from both corners, beyond the 3 x 20 m cut: background only
    beyond = ~(at_bar | at_stop)
    assert beyond.sum() == 20
    assert risk.segment_risk[beyond] == pytest.approx(background[beyond], rel=1e-9)
    assert risk.segment_risk.min() == pytest.approx(0.1 * 100 / 2400, rel=1e-9)
    # each corner spreads the same decay over its two streets: the other 90 % of the risk splits
    # as the documented weights, bar 2 and bus stop 0.5, over 2 x 2 + 2 x 0.5 = 5
    assert at_bar.sum() == at_stop.sum() == 2
    assert risk.segment_risk[at_bar] == pytest.approx(background[at_bar] + 0.9 * 2 / 5)
    assert risk.segment_risk[at_stop] == pytest.approx(background[at_stop] + 0.9 * 0.5 / 5)


def test_no_features_means_risk_by_length(grid):
    pieces = street_pieces(grid)
    empty = bar_at(grid, 5).iloc[0:0]
    with pytest.warns(PlannerWarning, match="it rests on: no feature at all"):
        risk = terrain_risk(grid, empty, pieces, 100, 0.1)
    assert np.allclose(risk.segment_risk, 1 / 24)
    assert any("spread by street length" in n for n in risk.notes)


def test_the_risk_model_line_says_so_when_no_osm_feature_weighs_in(grid):
    from planner.evaluate import BARE_TERRAIN_LABEL, TERRAIN_LABEL, risk_label

    pieces = street_pieces(grid)
    with pytest.warns(PlannerWarning, match="it rests on: no feature at all"):
        bare = terrain_risk(grid, bar_at(grid, 5).iloc[0:0], pieces, 100, 0.1)
    said = risk_label({"method": bare.method, "parameters": bare.parameters})
    assert said == BARE_TERRAIN_LABEL  # every street alike by length: no venue to weigh
    barred = terrain_risk(grid, bar_at(grid, 5), pieces, 100, 0.1)
    assert risk_label({"method": barred.method, "parameters": barred.parameters}) == TERRAIN_LABEL


def test_terrain_without_venues_warns_what_it_rests_on(grid):
    stop = bar_at(grid, 5).assign(key="highway", value="bus_stop")
    with pytest.warns(PlannerWarning, match=r"without a single bar.*rests on: highway=bus_stop\)"):
        risk = terrain_risk(grid, stop, street_pieces(grid), 100, 0.1)
    assert risk.parameters["weights"] == {"highway=bus_stop": 0.5}


def test_incidents_snap_to_nearest_street_and_far_ones_are_counted(grid, tmp_path):
    (lon0, lat0), (lon1, _lat1) = grid_lonlat(0, 0), grid_lonlat(0, 1)
    near = pd.DataFrame({"lon": [(lon0 + lon1) / 2] * 3, "lat": [lat0 + 1e-5] * 3})
    far = pd.DataFrame({"lon": [lon0 + 1.0], "lat": [lat0]})
    incidents = pd.concat([near, far], ignore_index=True).assign(file="a.csv")
    from planner.incidents import LoadReport

    report = LoadReport("a.csv", 4, 4, {}, notes=("dates such as '03/04/2020' read day first",))
    with pytest.warns(UserWarning, match="1 of 4 incidents lie more than 100 m"):
        risk = incident_risk(grid, incidents, [report], max_snap_m=100, background_share=0.0)
    assert "a.csv: dates such as '03/04/2020' read day first" in risk.notes  # the loader's too
    hit = risk.segment_risk.argmax()
    assert set(grid.segments.loc[hit, ["u", "v"]]) == {0, 1}
    assert risk.segment_risk[hit] == pytest.approx(1.0)
    assert risk.reports[0].dropped["outside the area"] == 1
    assert risk.reports[0].rows_kept == 3
    # with several files, the warning counts each file's incidents outside
    second = pd.concat([near, far, far], ignore_index=True).assign(file="/uploads/b.csv")
    both = pd.concat([incidents, second], ignore_index=True)
    reports = [report, LoadReport("/uploads/b.csv", 5, 5, {})]
    with pytest.warns(UserWarning) as caught:
        incident_risk(grid, both, reports, max_snap_m=100, background_share=0.0)
    (message,) = [str(w.message) for w in caught if "incidents lie more" in str(w.message)]
    assert message.startswith("3 of 9 incidents lie more than 100 m")
    assert message.endswith("; by file: a.csv 1 of 4, b.csv 2 of 5")


def test_a_file_of_several_with_no_incident_in_the_area_stops_the_plan(grid):
    # another city's export, or swapped columns, lose the whole file: refused, not dropped
    lon, lat = grid_lonlat(1, 1)
    good = pd.DataFrame({"lon": [lon] * 3, "lat": [lat] * 3}).assign(file="good.csv")
    swapped = pd.DataFrame({"lon": [lat] * 2, "lat": [lon] * 2}).assign(file="/up/swapped.csv")
    reports = [
        LoadReport("good.csv", 3, 3, {}),
        LoadReport("/up/swapped.csv", 2, 2, schema="generic", coordinates=("lat", "lon")),
    ]
    both = pd.concat([good, swapped], ignore_index=True)
    said = (
        r"^/up/swapped\.csv: none of the 2 incidents lies within 100 m .* but 2 would with "
        r"latitude and longitude swapped.*x_col: lon, y_col: lat .* fix this one, or leave it out"
    )
    with pytest.raises(IncidentDataError, match=said):
        incident_risk(grid, both, reports, max_snap_m=100, background_share=0.0)
    far = pd.DataFrame({"lon": [0.0], "lat": [51.5]}).assign(file="other_city.csv")
    with pytest.raises(IncidentDataError, match=r"^other_city\.csv: .*covers the same city"):
        incident_risk(grid, pd.concat([good, far]), [], max_snap_m=100, background_share=0.0)


def test_incidents_far_from_the_area_stop_with_a_hint(grid):
    far = pd.DataFrame({"lon": [0.0], "lat": [51.5]})
    with pytest.raises(IncidentDataError, match="covers the same city"):
        incident_risk(grid, far, [], 100, 0.1)


def test_incidents_of_another_continent_stop_with_a_hint(grid):
    # San Francisco: swapping its longitude (-122) would give no latitude at all
    far = pd.DataFrame({"lon": [-122.42, -122.41], "lat": [37.77, 37.78]})
    with pytest.raises(IncidentDataError, match=r"none of the 2 incidents.*covers the same city"):
        incident_risk(grid, far, [], 100, 0.1)
    with pytest.raises(IncidentDataError) as err:
        incident_risk(grid, far, [], 100, 0.1)
    assert "they lie around 37.7750, -122.4150 (latitude, longitude), the area around " in str(
        err.value
    )
    assert "crs" not in str(err.value)
    # a mapped file may be in another CRS than the mapping says, or have its axes swapped
    mapped = [LoadReport("bng.csv", 2, 2, schema="generic", coordinates=("east", "north"))]
    with pytest.raises(IncidentDataError) as err:
        incident_risk(grid, far, mapped, 100, 0.1)
    assert str(err.value).endswith(
        "covers the same city and period, and, if 'east' and 'north' are not in degrees, that "
        "the mapping's crs is the one they are in and that 'east' holds the eastings (x_col) "
        "and the other the northings"
    )
    named = [LoadReport("ll.csv", 2, 2, schema="generic", coordinates=("Longitude", "Latitude"))]
    with pytest.raises(IncidentDataError) as err:  # columns named as degrees: no crs to doubt
        incident_risk(grid, far, named, 100, 0.1)
    assert str(err.value).endswith("covers the same city and period")
    assert "8,746 km away; check" in str(err.value)  # Helsinki to San Francisco


def test_swapped_latitude_and_longitude_are_detected(grid):
    lon, lat = grid_lonlat(1, 1)
    swapped = pd.DataFrame({"lon": [lat] * 3, "lat": [lon] * 3})
    fix = r"3 would with latitude and longitude swapped.*schema: generic, x_col"
    with pytest.raises(IncidentDataError, match=fix):
        incident_risk(grid, swapped, [], 100, 0.1)
    # a file read with named (or found) columns is told which to read the other way round
    report = LoadReport("inc.csv", 3, 3, schema="generic", coordinates=("lat", "lon"))
    fix = r"inc\.csv: read it with the columns the other way round: x_col: lon, y_col: lat \(on"
    with pytest.raises(IncidentDataError, match=fix) as err:
        incident_risk(grid, swapped, [report], 100, 0.1)
    assert err.value.mapping == {"schema": "generic", "x_col": "lon", "y_col": "lat"}
    # a city export is told which names to exchange, or the mapping that reads it
    report = LoadReport("crimes.csv", 3, 3, schema="uk_police")
    fix = r"crimes\.csv: exchange the names Longitude and Latitude in the file's first line"
    with pytest.raises(IncidentDataError, match=fix) as err:
        incident_risk(grid, swapped, [report], 100, 0.1)
    assert err.value.mapping == {
        "schema": "generic",
        "x_col": "Latitude",
        "y_col": "Longitude",
        "time_col": "Month",
        "type_col": "Crime type",
    }
    # without its file's columns known, no mapping to offer
    with pytest.raises(IncidentDataError) as err:
        incident_risk(grid, swapped, [], 100, 0.1)
    assert err.value.mapping == {}


def test_a_few_rows_written_the_wrong_way_round_are_counted_in_the_warning(grid):
    lon, lat = grid_lonlat(1, 1)
    rows = pd.DataFrame({"lon": [lon] * 40 + [lat] * 3, "lat": [lat] * 40 + [lon] * 3})
    with pytest.warns(PlannerWarning) as caught:
        incident_risk(grid, rows, [], 100, 0.1)
    said = " ".join(str(w.message) for w in caught)
    assert "3 of 43 incidents lie more than 100 m from every street" in said
    assert re.search(
        rf"3 of them lie in the area with latitude and longitude exchanged \(e\.g\. latitude "
        rf"{lon:g}, longitude {lat:g}\): those rows have them written the wrong way round",
        said,
    )
    far = rows.assign(lat=rows["lat"] + 1.0)  # elsewhere, either way round: not said
    with pytest.warns(PlannerWarning) as caught:
        incident_risk(grid, pd.concat([rows.head(40), far.tail(3)]), [], 100, 0.1)
    assert "exchanged" not in " ".join(str(w.message) for w in caught)


def test_risk_in_sight_counts_each_piece_any_chosen_spot_watches_once():
    from scipy import sparse

    from planner.hotspots import Hotspots

    watched = sparse.csr_matrix(np.array([[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 0, 1]], dtype=bool))
    piece_risk = np.array([0.1, 0.2, 0.3, 0.4])
    spots = Hotspots(np.arange(3), watched @ piece_risk, watched, 50.0, piece_risk)
    assert spots.risk_in_sight([0]) == pytest.approx(0.1 + 0.2)
    assert spots.risk_in_sight([0, 1]) == pytest.approx(0.1 + 0.2 + 0.3)
    assert spots.risk_in_sight([2, 0, 0]) == pytest.approx(0.1 + 0.2 + 0.4)
    assert spots.risk_in_sight([]) == 0.0


def test_hotspots_are_separated_and_ranked(helsinki):
    from planner.graph import osm_features
    from planner.scenario import AreaSpec

    pieces = street_pieces(helsinki)
    risk = terrain_risk(helsinki, osm_features(AreaSpec(), helsinki), pieces, 100, 0.1)
    spots = find_hotspots(helsinki, risk, pieces, radius_m=50, top_percent=10, min_separation_m=50)
    assert len(spots) >= 10
    assert np.all(np.diff(spots.value) <= 1e-12)
    xy = helsinki.nodes[["x_m", "y_m"]].to_numpy()[spots.node_idx]
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    assert d[np.triu_indices(len(xy), 1)].min() >= 50
    cover = coverage_matrix(helsinki, spots.node_idx[:1], 50, pieces)
    assert spots.value[0] == pytest.approx((cover.astype(float) @ risk.piece_risk(pieces))[0])
    annotated = annotate_graph(helsinki, risk)
    ends = helsinki.segments[["u", "v"]].to_numpy()
    assert pd.Series(map(tuple, np.sort(ends, axis=1))).duplicated().any()  # parallel streets
    total = sum(d["risk"] for _, _, d in annotated.edges(data=True))
    assert total == pytest.approx(2.0)  # both directions carry it, parallel streets their own
    # 50 m apart, each watching 50 m around: some watch a street in common, each such pair
    # closer than twice the radius; 100 m apart, none
    watched = spots.watched.toarray()
    pairs = [
        (a, b)
        for a, b in zip(*np.triu_indices(len(xy), 1), strict=True)
        if (watched[a] & watched[b]).any()
    ]
    assert spots.overlapping_pairs() == len(pairs) > 0
    assert all(d[a, b] < 100 for a, b in pairs)
    apart = find_hotspots(helsinki, risk, pieces, radius_m=50, top_percent=10, min_separation_m=100)
    assert apart.overlapping_pairs() == 0
    assert helsinki.graph.edges[next(iter(helsinki.graph.edges(keys=True)))].get("risk") is None


def _risky_streets(graph, shares):
    """A risk map giving each street ``(u, v): share`` its share, the rest evenly the remainder."""
    from planner.risk import RiskMap

    seg = graph.segments
    ends = list(zip(seg["u"], seg["v"], strict=True))
    rest = (1.0 - sum(shares.values())) / (len(ends) - len(shares))
    return RiskMap(np.array([shares.get(e, rest) for e in ends]), "test", {})


def test_hotspots_lie_at_both_ends_of_the_riskiest_streets_only(grid):
    # 24 streets, top 6.25 %: 1.5 streets, so the two riskiest (a fraction of a street counts)
    risk = _risky_streets(grid, {(0, 1): 0.5, (14, 15): 0.3})
    spots = find_hotspots(grid, risk, street_pieces(grid), 50, 6.25, 50)
    assert sorted(grid.nodes.index[spots.node_idx]) == [0, 1, 14, 15]


def test_hotspots_are_numbered_by_their_osm_node_ids(grid):
    import networkx as nx

    from planner.graph import build_street_graph
    from planner.hotspots import spot_numbers

    from .conftest import make_grid

    graph = build_street_graph(nx.relabel_nodes(make_grid(), lambda n: n + 1000), "4x4 ids")
    risk = _risky_streets(graph, {(1000, 1001): 0.5, (1014, 1015): 0.3})
    spots = find_hotspots(graph, risk, street_pieces(graph), 50, 6.25, 50)
    numbers = spot_numbers(graph, spots)
    assert sorted(numbers) == [1000, 1001, 1014, 1015]
    assert sorted(numbers.values()) == list(range(4))


def test_koper_curve_rewards_ten_to_fifteen_minutes():
    assert koper_value_min(5) < 5 * 0.6
    assert koper_value_min(12) == pytest.approx(12)
    assert koper_value_min(30) == koper_value_min(15) == pytest.approx(15)


def on_first_street(n, occurred, **columns):
    """``n`` incidents at the middle of the street from grid node 0 to node 1."""
    (lon0, lat0), (lon1, _) = grid_lonlat(0, 0), grid_lonlat(0, 1)
    data = {"lon": [(lon0 + lon1) / 2] * n, "lat": [lat0] * n, "occurred": [occurred] * n}
    data |= {name: [value] * n for name, value in columns.items()}
    return pd.DataFrame(data).assign(occurred=lambda f: pd.to_datetime(f["occurred"]))


def far_corner_at_midnight():
    """One incident with a time of day, on the street farthest from the first (node 14 to 15)."""
    (lon0, lat0), (lon1, _) = grid_lonlat(3, 2), grid_lonlat(3, 3)
    return pd.DataFrame(
        {"lon": [(lon0 + lon1) / 2], "lat": [lat0], "occurred": [pd.Timestamp("2026-01-10 00:30")]}
    ).assign(time_known=True, month_only=False)


def first_street(grid):
    """Whether each segment is the first street's (grid node 0 to node 1)."""
    ends = grid.segments[["u", "v"]].to_numpy()
    mask = np.array([set(e) == {0, 1} for e in ends])
    assert mask.sum() == 1
    return mask


def friday_night(zone_name):
    zone = ZoneInfo(zone_name)
    return dt.datetime(2026, 11, 27, 22, tzinfo=zone), dt.datetime(2026, 11, 28, 6, tzinfo=zone)


def test_no_incident_near_the_shift_hours_falls_back_to_all_hours(grid):
    afternoon = on_first_street(4, "2026-11-20 14:00")
    night = friday_night("Europe/Helsinki")
    risk = incident_risk(grid, afternoon, [], 100, 0.0, night)
    assert risk.parameters["window_fallback"] is True
    assert any("all-hours model" in note for note in risk.notes)
    assert risk.segment_risk.max() == pytest.approx(1.0)
    evening = afternoon.assign(occurred=pd.to_datetime(["2026-11-20 23:00"] * 4))
    assert incident_risk(grid, evening, [], 100, 0.0, night).parameters["window_fallback"] is False


def test_poisson_fit_finds_the_factor_that_goes_with_incidents(grid):
    from planner.risk import fit_terrain_rates, terrain_exposure

    pieces = street_pieces(grid)
    exposure, off_street = terrain_exposure(grid, bar_at(grid, 5), pieces, 100)
    assert list(exposure.columns) == ["amenity=bar"] and off_street == 0
    lengths = grid.segments["length_m"].to_numpy()
    near_bar = exposure["amenity=bar"].to_numpy()
    counts = np.rint(20 * near_bar / near_bar.max()).astype(float)
    rate, ratios = fit_terrain_rates(exposure, counts, lengths)
    assert ratios["amenity=bar"] > 1.5
    assert np.corrcoef(rate, counts / lengths)[0, 1] > 0.8


def test_terrain_prior_pulls_empty_streets_toward_the_fitted_rate(grid):
    from planner.risk import IncidentModel, incident_density

    lengths = grid.segments["length_m"].to_numpy()
    terrain_rate = np.linspace(1, 2, len(lengths)) / lengths.sum()
    seg = np.array([0, 0, 0])
    raw = incident_density(grid, seg, np.ones(3), np.zeros(3, bool), IncidentModel())
    shrunk = incident_density(
        grid, seg, np.ones(3), np.zeros(3, bool),
        IncidentModel(prior_length_m=50, prior="terrain"), terrain_rate,
    )  # fmt: skip
    assert raw[1:].max() == 0
    assert shrunk[1:].min() > 0
    assert np.all(np.diff(shrunk[1:]) > 0)  # follows the terrain rate
    assert shrunk[0] < raw[0]


def test_records_without_time_of_day_do_not_trigger_the_fallback(grid):
    monthly = on_first_street(3, "2026-10-15 12:00", time_known=False, month_only=True)
    night = friday_night("Europe/London")
    risk = incident_risk(grid, monthly, [], 100, 0.0, night)
    assert risk.parameters["window_fallback"] is False
    assert [note for note in risk.notes if "time of day" in note or "month" in note] == [
        "3 incidents without time of day (weighted by the day's average); all of them with the "
        "month only (weighted by the week's average day)"
    ]
    # the KPI table's risk model line says the shift's hours cannot shape such a risk
    from planner.evaluate import risk_label

    said = risk_label({"method": risk.method, "parameters": risk.parameters})
    assert said == (
        "incidents: 3 within 100 m of the streets (none has a time of day: the shift's hours do "
        "not shape it)"
    )
    timed = on_first_street(3, "2026-10-15 23:00")
    risk = incident_risk(grid, timed, [], 100, 0.0, night)
    said = risk_label({"method": risk.method, "parameters": risk.parameters})
    assert said == "incidents: 3 within 100 m of the streets"


def test_incidents_years_older_than_the_shift_are_said_to_be_old(grid):
    night = friday_night("Europe/London")
    with pytest.warns(PlannerWarning, match=r"newest incident is from 2020-12-31, 5\.9 years"):
        old = incident_risk(grid, on_first_street(3, "2020-12-31 23:00"), [], 100, 0.0, night)
    assert any("load a recent export" in note for note in old.notes)
    recent = incident_risk(grid, on_first_street(3, "2026-10-31 23:00"), [], 100, 0.0, night)
    assert not any("newest incident" in note for note in recent.notes)
    monthly = on_first_street(3, "2020-12-15 12:00", time_known=False, month_only=True)
    with pytest.warns(PlannerWarning, match=r"newest incident is from 2020-12, 5\.9 years"):
        incident_risk(grid, monthly, [], 100, 0.0, night)  # the month, not a made-up day


def test_neighbourhood_shrinkage_spreads_risk_and_keeps_the_hours(grid):
    from planner.risk import IncidentModel, neighbourhood

    late = on_first_street(4, "2026-11-20 23:30")
    night = friday_night("Europe/London")
    model = IncidentModel(prior_length_m=50, bandwidth_m=150)
    plain = incident_risk(grid, late, [], 100, 0.0, night)
    shrunk = incident_risk(grid, late, [], 100, 0.0, night, model=model)
    first = int(np.argmax(plain.segment_risk))
    near = neighbourhood(grid, 150).getrow(first).toarray().ravel() > 0
    near[first] = False
    assert near.any() and (~near).sum() > 1
    assert plain.segment_risk[near].max() == 0 < shrunk.segment_risk[near].min()  # spread
    assert shrunk.segment_risk[first] < plain.segment_risk[first]
    # the hour of the incidents (23:00-24:00, the shift's second) stands out on every street
    # that got risk from them, as without shrinkage on their own street
    hot = shrunk.hourly[:, near]
    assert np.all(hot[1] == hot.max(axis=0)) and np.all(hot[1] > 1)
    assert shrunk.hourly[1, first] == pytest.approx(plain.hourly[1, first], rel=1e-6)


@pytest.mark.parametrize("night", ["2026-10-24", "2026-10-31"])  # clocks go back; a week on
def test_incidents_of_unknown_hour_weigh_the_same_in_every_hour_of_the_night(grid, night):
    monthly = on_first_street(3, "2026-10-15 12:00", time_known=False, month_only=True)
    zone = ZoneInfo("Europe/London")
    start = dt.datetime.fromisoformat(f"{night} 22:00").replace(tzinfo=zone)
    end = dt.datetime.combine(start.date() + dt.timedelta(days=1), dt.time(5), tzinfo=zone)
    alone = incident_risk(grid, monthly, [], 100, 0.0, (start, end))
    assert alone.hourly is None and "hourly_risk" not in alone.parameters  # no hours to give
    said = risk_source("incidents", alone.parameters)  # as the briefing says it
    assert "time of day" not in said and "day of week" not in said and "age (half-life" in said
    risk = incident_risk(
        grid, pd.concat([monthly, far_corner_at_midnight()]), [], 100, 0.0, (start, end)
    )
    assert risk.parameters["hourly_risk"] is True
    assert risk.hourly.shape[0] == (8 if night == "2026-10-24" else 7)  # real hours
    first = first_street(grid)
    assert np.allclose(risk.hourly[:, first], 1.0, rtol=1e-3)  # (recency moves by the hour, barely)
    assert not np.allclose(risk.hourly, 1.0, rtol=1e-3)  # the timed incident's street does vary


def test_on_the_night_clocks_go_forward_every_hour_still_weighs_one_clock_hour(grid):
    monthly = on_first_street(3, "2026-03-15 12:00", time_known=False, month_only=True)
    zone = ZoneInfo("Europe/London")
    start = dt.datetime(2026, 3, 28, 21, 30, tzinfo=zone)
    end = dt.datetime(2026, 3, 29, 5, 0, tzinfo=zone)  # 6.5 real hours
    both = pd.concat([monthly, far_corner_at_midnight()])
    risk = incident_risk(grid, both, [], 100, 0.0, (start, end))
    assert risk.hourly.shape[0] == 7
    first = risk.hourly[:, first_street(grid)]
    assert np.allclose(first[:6], first[0], rtol=1e-3)  # the last hour is a half
    lengths_h = [1.0] * 6 + [0.5]
    assert np.allclose(np.average(risk.hourly, axis=0, weights=lengths_h), 1.0)  # shift average


def test_incidents_dated_after_the_shift_starts_are_left_out_and_counted(grid):
    from planner.risk import after_shift_start

    start = dt.datetime(2026, 5, 10, 20, 0, tzinfo=ZoneInfo("Europe/London"))
    at = ["2026-05-01 10:00", "2026-05-15 12:00", "2031-05-15 12:00", "2026-06-02 01:00"]
    frame = pd.DataFrame({"occurred": pd.to_datetime(at), "month_only": [False, True, True, False]})
    # a record of the shift's own month with the month only may be older: not left out
    assert after_shift_start(frame, start).tolist() == [False, False, True, True]
    # on the streets: incidents of a later year, on another street, weigh nothing
    corner = far_corner_at_midnight()
    early = pd.concat([corner] * 40).assign(occurred=pd.Timestamp("2026-05-01 21:00"))
    (lon0, lat0), (lon1, _) = grid_lonlat(0, 0), grid_lonlat(0, 1)
    late = early.head(3).assign(
        lon=(lon0 + lon1) / 2, lat=lat0, occurred=pd.Timestamp("2031-05-09")
    )
    shift = (start, start + dt.timedelta(hours=8))
    with pytest.warns(PlannerWarning, match="dated after the shift starts") as got:
        both = incident_risk(grid, pd.concat([early, late]), [], 100, 0.0, shift)
    [said] = [str(w.message) for w in got if "after the shift" in str(w.message)]
    assert said.startswith("3 incidents dated after the shift starts (up to 2031-05-09) are left")
    assert said in both.notes
    alone = incident_risk(grid, early, [], 100, 0.0, shift)
    assert np.allclose(both.segment_risk, alone.segment_risk)
    assert both.parameters["incidents_used"] == len(early)
    with pytest.raises(IncidentDataError, match="no incident near the streets is dated before"):
        incident_risk(grid, late, [], 100, 0.0, shift)
    # what is left after them is what the few-incidents warning weighs
    with pytest.warns(PlannerWarning) as got:
        incident_risk(grid, pd.concat([early.head(5), late]), [], 100, 0.0, shift)
    assert any("only 5 incidents near the area's streets" in str(w.message) for w in got)
    # records with the month only are named by their month
    months = late.assign(month_only=True, occurred=pd.Timestamp("2031-05-15"))
    with pytest.warns(PlannerWarning, match=r"after the shift starts \(up to 2031-05\) are"):
        incident_risk(grid, pd.concat([early, months]), [], 100, 0.0, shift)


def test_a_risk_map_of_few_incidents_is_said_to_rest_on_them_alone(grid):
    from planner.risk import FEW_INCIDENTS

    (lon0, lat0), (lon1, _lat1) = grid_lonlat(0, 0), grid_lonlat(0, 1)

    def said(n: int) -> list[str]:
        points = pd.DataFrame({"lon": [(lon0 + lon1) / 2] * n, "lat": [lat0 + 1e-5] * n})
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            incident_risk(
                grid, points.assign(file="a.csv"), [LoadReport("a.csv", n, n, {})], 100, 0
            )
        return [str(w.message) for w in caught if issubclass(w.category, PlannerWarning)]

    assert said(FEW_INCIDENTS - 1) == [
        "only 29 incidents near the area's streets: the risk map rests mostly on these few "
        "points, and the hot spots follow them; add more months of data, or plan without "
        "incident files (risk terrain from OSM features)"
    ]
    assert said(FEW_INCIDENTS) == []  # enough: nothing said


def test_one_grave_incident_among_many_is_named_with_its_share(grid):
    thefts = on_first_street(40, "2026-01-10 00:30", harm=1.0, crime_type="theft")
    grave = far_corner_at_midnight().assign(harm=100.0, crime_type="HOMICIDE", category="homicide")
    with pytest.warns(PlannerWarning, match=r"one incident \(HOMICIDE of 2026-01-10 00:30, at"):
        risk = incident_risk(grid, pd.concat([thefts, grave]), [], 100, 0.0)
    said = [n for n in risk.notes if n.startswith("one incident")]
    assert len(said) == 1 and "holds 71 % of the incidents' weight (harm): " in said[0]
    assert said[0].endswith(
        "lower its harm weight (risk.harm_weights_days: {homicide: ...}) to spread them"
    )
    # a sixth of the weight: a note in the plan, not a warning; a month-only date as a month
    many = on_first_street(100, "2026-01-10 00:30", harm=1.0, crime_type="theft")
    monthly = grave.assign(harm=20.0, time_known=False, month_only=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        risk = incident_risk(grid, pd.concat([many, monthly]), [], 100, 0.0)
        incident_risk(grid, thefts, [], 100, 0.0)  # forty alike: none outweighs the rest
    said = [n for n in risk.notes if n.startswith("one incident")]
    assert len(said) == 1 and said[0].startswith("one incident (HOMICIDE of 2026-01, at")
    assert "holds 17 % of the incidents' weight" in said[0]
    # a note that says 20 % warns, though the share is a little under a fifth
    with pytest.warns(PlannerWarning, match="holds 20 % of the incidents' weight"):
        incident_risk(grid, pd.concat([many, monthly.assign(harm=24.5)]), [], 100, 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        risk = incident_risk(grid, pd.concat([many, monthly.assign(harm=24.0)]), [], 100, 0.0)
    assert any("holds 19 % of the incidents' weight" in note for note in risk.notes)


def test_terrain_risk_reaches_streets_up_to_three_bandwidths_from_a_feature(grid):
    pieces = street_pieces(grid)
    risk = terrain_risk(grid, bar_at(grid, 0), pieces, bandwidth_m=100, background_share=0.1)
    seg = grid.segments
    lengths = seg["length_m"].to_numpy()
    background = 0.1 * lengths / lengths.sum()

    def street(a, b):
        return int(
            np.flatnonzero([{u, v} == {a, b} for u, v in zip(seg["u"], seg["v"], strict=True)])[0]
        )

    near, two_away, out_of_reach = street(0, 1), street(2, 3), street(10, 11)
    # the street from node 2 starts 200 m (two bandwidths) from the bar: still in its reach
    assert risk.segment_risk[two_away] > 1.5 * background[two_away]
    assert risk.segment_risk[near] > risk.segment_risk[street(1, 2)] > risk.segment_risk[two_away]
    # node 10 lies 400 m away: beyond three bandwidths, background only
    assert risk.segment_risk[out_of_reach] == pytest.approx(background[out_of_reach], rel=1e-9)


def test_incidents_at_a_point_that_repeats_weigh_more_than_at_points_apart(grid):
    (lon0, lat0), (lon1, _) = grid_lonlat(0, 0), grid_lonlat(0, 1)
    (lon2, lat2), (lon3, _) = grid_lonlat(2, 0), grid_lonlat(2, 1)
    same = pd.DataFrame({"lon": [(lon0 + lon1) / 2] * 2, "lat": [lat0] * 2})
    step = (lon3 - lon2) / 5  # 20 m apart on another street
    apart = pd.DataFrame({"lon": [lon2 + 2 * step, lon2 + 3 * step], "lat": [lat2] * 2})
    model = IncidentModel(repeat_weight=0.5)
    risk = incident_risk(grid, pd.concat([same, apart]), [], 100, 0.0, model=model)
    first, other = np.sort(risk.segment_risk)[::-1][:2]
    # two incidents at one point each count 1.5, two at points apart 1 each
    assert first / other == pytest.approx(1.5)
    assert first + other == pytest.approx(1.0)


def test_the_last_part_hour_of_a_shift_weighs_only_the_minutes_the_shift_has(grid):
    # a shift of 1.5 h has two hours; the second runs 23:00-23:30, so incidents at 23:50 lie
    # outside it (a narrow time-of-day kernel makes them weigh almost nothing there)
    zone = ZoneInfo("Europe/London")
    shift = (
        dt.datetime(2026, 11, 27, 22, tzinfo=zone),
        dt.datetime(2026, 11, 27, 23, 30, tzinfo=zone),
    )
    timed = {"time_known": True, "month_only": False}
    before = on_first_street(3, "2026-11-20 22:30", **timed)
    after = on_first_street(3, "2026-11-20 23:50", **timed)
    window = WindowParams(tod_bandwidth_h=0.1)
    risk = incident_risk(grid, pd.concat([before, after]), [], 100, 0.0, shift, window)
    assert risk.hourly.shape[0] == 2
    first = risk.hourly[:, first_street(grid)][:, 0]
    assert first[0] == pytest.approx(1.5, rel=0.05)  # against the average of 1 h and a half
    assert first[1] < 0.05


def test_incidents_just_within_the_snap_distance_snap_wherever_along_the_street(grid):
    from planner.snapping import snap_to_segments

    (lon0, lat0), (lon1, _) = grid_lonlat(0, 0), grid_lonlat(0, 1)
    metre_lat = 1 / 111_320.0
    # every metre from 20 m to 80 m along the street from node 0 to node 1, 9.5 m north of it
    # (the street is the nearest one), and one 11 m north
    along = lon0 + np.arange(20, 81) / 100 * (lon1 - lon0)
    lon = np.r_[along, along[0]]
    lat = np.r_[np.full(len(along), lat0 + 9.5 * metre_lat), lat0 + 11 * metre_lat]
    rows, segs = snap_to_segments(grid, lon, lat, 10.0)
    assert rows.tolist() == list(range(len(along)))
    ends = grid.segments.loc[np.unique(segs), ["u", "v"]].to_numpy()
    assert [set(e) for e in ends] == [{0, 1}]


def test_incidents_beside_a_crossing_snap_to_the_street_they_lie_on(grid):
    from planner.snapping import snap_to_segments

    lon5, lat5 = grid_lonlat(1, 1)  # node 5, where four streets meet
    east, north = grid_lonlat(1, 2)[0] - lon5, grid_lonlat(2, 1)[1] - lat5  # 100 m
    # 10 m out along each street and 1 m to its side: the street is 1 m away, the others 10 m
    offsets = {6: (0.1, 0.01), 4: (-0.1, -0.01), 9: (0.01, 0.1), 1: (-0.01, -0.1)}
    lon = np.array([lon5 + dx * east for dx, _ in offsets.values()])
    lat = np.array([lat5 + dy * north for _, dy in offsets.values()])
    rows, segs = snap_to_segments(grid, lon, lat, 100.0)
    assert rows.tolist() == [0, 1, 2, 3]
    ends = grid.segments[["u", "v"]].to_numpy()[segs]
    assert [set(e) for e in ends] == [{5, other} for other in offsets]


def test_an_incident_snaps_to_the_nearest_street_not_to_the_one_with_most_points_near(grid):
    from planner.snapping import snap_to_segments

    # a long street 10 m south of the incident, and four 40 cm stubs 10.6 m north of it: the
    # long street's nearest points every 10 m along it are 11.2 m away, the stubs' ends nearer
    x0, y0 = grid.nodes[["x_m", "y_m"]].to_numpy().mean(axis=0)
    long_street = LineString([(x0 - 205, y0 - 10), (x0 + 205, y0 - 10)])
    stubs = [LineString([(x0 - 0.2, y0 + 10.6), (x0 + 0.2, y0 + 10.6)]) for _ in range(4)]
    segments = gpd.GeoDataFrame(geometry=[*stubs, long_street], crs=grid.crs)
    streets = dataclasses.replace(grid, segments=segments)
    point = gpd.GeoSeries([Point(x0, y0)], crs=grid.crs).to_crs("EPSG:4326")
    rows, segs = snap_to_segments(streets, point.x.to_numpy(), point.y.to_numpy(), 50.0)
    assert (rows.tolist(), segs.tolist()) == ([0], [4])


def test_each_incident_snaps_within_its_own_snap_distance(grid):
    from planner.snapping import snap_to_segments

    # one place 30 m south of the first street, in a file snapped within 10 m and in one within 50 m
    (lon0, lat0), (lon1, _) = grid_lonlat(0, 0), grid_lonlat(0, 1)
    lon, lat = np.full(2, (lon0 + lon1) / 2), np.full(2, lat0 - 30 / 111_320.0)
    rows, segs = snap_to_segments(grid, lon, lat, np.array([10.0, 50.0]))
    assert rows.tolist() == [1]
    assert set(grid.segments.loc[segs[0], ["u", "v"]]) == {0, 1}


def test_an_incident_at_a_crossing_snaps_to_the_street_numbered_first(grid):
    from planner.snapping import snap_to_segments

    lon5, lat5 = grid_lonlat(1, 1)  # node 5, on four streets at once
    rows, segs = snap_to_segments(grid, np.array([lon5]), np.array([lat5]), 10.0)
    seg = grid.segments
    touching = np.flatnonzero(((seg["u"] == 5) | (seg["v"] == 5)).to_numpy())
    assert rows.tolist() == [0] and segs.tolist() == [touching.min()]


def test_a_file_lost_whole_is_named_also_when_each_file_has_its_own_snap_distance(grid):
    lon, lat = grid_lonlat(1, 1)
    good = pd.DataFrame({"lon": [lon] * 3, "lat": [lat] * 3}).assign(file="good.csv")
    far = pd.DataFrame({"lon": [-122.42] * 2, "lat": [37.77] * 2}).assign(file="far.csv")
    both = pd.concat([good, far], ignore_index=True)
    limits = np.array([100.0] * 3 + [200.0] * 2)
    said = r"^far\.csv: none of the 2 incidents lies within 200 m .* fix this one, or leave it out"
    with pytest.raises(IncidentDataError, match=said):
        incident_risk(grid, both, [], max_snap_m=limits, background_share=0.0)


def test_swapped_files_of_which_one_has_no_known_fix_get_the_generic_mapping(grid):
    lon, lat = grid_lonlat(1, 1)
    swapped = pd.DataFrame({"lon": [lat] * 2, "lat": [lon] * 2})
    reports = [
        LoadReport("a.csv", 1, 1, schema="generic", coordinates=("lat", "lon")),
        LoadReport("b.csv", 1, 1, {}),
    ]
    with pytest.raises(IncidentDataError) as err:
        incident_risk(grid, swapped, reports, max_snap_m=100, background_share=0.0)
    said = str(err.value)
    assert said.endswith(
        "read it with schema: generic, x_col the column that holds the "
        "longitudes, y_col the one with the latitudes, and time_col and "
        "type_col for the dates and offence types"
    )
    assert "None" not in said


def test_points_are_kept_apart_by_the_sum_of_their_radii_best_first():
    from planner.hotspots import kept_apart

    xy = np.array([[0.0, 0.0], [3.0, 0.0], [5.0, 0.0], [9.0, 0.0], [20.0, 0.0]])
    assert kept_apart(xy, np.full(5, 2.5)).tolist() == [0, 2, 4]  # 3 m and 4 m too close
    assert kept_apart(xy, np.array([1.0, 2.0, 1.0, 5.0, 1.0])).tolist() == [0, 1, 4]
    assert kept_apart(xy, np.zeros(5), limit=2).tolist() == [0, 1]
    assert kept_apart(xy[:0], np.zeros(0)).tolist() == []


def test_an_incident_outside_the_part_of_the_map_file_kept_is_outside_the_area():
    from planner.graph import load_street_graph
    from planner.scenario import AreaSpec
    from planner.snapping import snap_to_segments

    part = load_street_graph(AreaSpec(bbox_deg=(24.940, 60.163, 24.955, 60.172)))
    west = part.nodes.loc[part.nodes["lon"].idxmin()]  # a street end by the box's west side
    lon = np.array([west["lon"] + 0.0002, 24.9395, west["lon"] - 0.0003])
    lat = np.array([west["lat"], west["lat"], west["lat"]])
    x_m, y_m = part.project_lonlat(lon, lat)
    near = part.segments.distance(Point(x_m[2], y_m[2])).min()
    assert near < 30  # within reach of a street kept, but beside the box
    kept, _ = snap_to_segments(part, lon, lat, 100.0)
    assert kept.tolist() == [0]
    incidents = pd.DataFrame({"lon": lon, "lat": lat, "weight": 1.0})
    with pytest.warns(PlannerWarning, match="2 of 3 incidents lie outside the part of the map"):
        incident_risk(part, incidents, [], max_snap_m=100, background_share=0.0)


def test_incidents_all_outside_the_part_of_the_map_file_kept_are_told_to_widen_it():
    from planner.graph import load_street_graph
    from planner.scenario import AreaSpec

    part = load_street_graph(AreaSpec(bbox_deg=(24.940, 60.163, 24.955, 60.172)))
    north = pd.DataFrame({"lon": [24.9500, 24.9505], "lat": [60.1790, 60.1792]})  # in the file
    with pytest.raises(IncidentDataError) as caught:
        incident_risk(part, north, [], max_snap_m=100, background_share=0.0)
    assert (
        "; all 2 lie outside the part of the map file kept (area.bbox_deg [24.94, 60.163, "
        "24.955, 60.172]): widen it to take them in, or check that the incident file covers"
    ) in str(caught.value)
    # most likely another city's file: the file is to be checked first, the box only after
    atlanta = pd.DataFrame({"lon": [-84.39, -84.38], "lat": [33.75, 33.76]})
    with pytest.raises(IncidentDataError) as caught:
        incident_risk(part, atlanta, [], max_snap_m=100, background_share=0.0)
    assert str(caught.value).endswith(
        "km away; check that the incident file covers the same city and period; all 2 lie "
        "outside the part of the map file kept (area.bbox_deg [24.94, 60.163, 24.955, 60.172]): "
        "if the map file covers them, widen it"
    )
