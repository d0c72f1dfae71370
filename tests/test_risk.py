import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from planner.coverage import coverage_matrix, street_pieces
from planner.errors import IncidentDataError
from planner.hotspots import find_hotspots, koper_value_min
from planner.incidents import load_incidents
from planner.risk import annotate_graph, incident_risk, terrain_risk
from planner.scenario import IncidentSpec

from .conftest import grid_lonlat, shared_file


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


def test_no_features_means_risk_by_length(grid):
    pieces = street_pieces(grid)
    empty = bar_at(grid, 5).iloc[0:0]
    risk = terrain_risk(grid, empty, pieces, 100, 0.1)
    assert np.allclose(risk.segment_risk, 1 / 24)
    assert any("spread by street length" in n for n in risk.notes)


def test_incidents_snap_to_nearest_street_and_far_ones_are_counted(grid, tmp_path):
    (lon0, lat0), (lon1, _lat1) = grid_lonlat(0, 0), grid_lonlat(0, 1)
    near = pd.DataFrame({"lon": [(lon0 + lon1) / 2] * 3, "lat": [lat0 + 1e-5] * 3})
    far = pd.DataFrame({"lon": [lon0 + 1.0], "lat": [lat0]})
    incidents = pd.concat([near, far], ignore_index=True).assign(file="a.csv")
    from planner.incidents import LoadReport

    report = LoadReport("a.csv", 4, 4, {})
    with pytest.warns(UserWarning, match="1 of 4 incidents lie more than 100 m"):
        risk = incident_risk(grid, incidents, [report], max_snap_m=100, background_share=0.0)
    hit = risk.segment_risk.argmax()
    assert set(grid.segments.loc[hit, ["u", "v"]]) == {0, 1}
    assert risk.segment_risk[hit] == pytest.approx(1.0)
    assert risk.reports[0].dropped["outside the area"] == 1
    assert risk.reports[0].rows_kept == 3


def test_incidents_all_outside_the_area_stop_with_a_hint(grid):
    far = pd.DataFrame({"lon": [0.0], "lat": [51.5]})
    with pytest.raises(IncidentDataError, match="swapped"):
        incident_risk(grid, far, [], 100, 0.1)


def test_csv_loader_counts_every_drop(tmp_path):
    path = tmp_path / "inc.csv"
    path.write_text(
        "Latitude,Longitude,Crime type\n60.17,24.94,Theft\n,,Theft\n95,24.9,Theft\nabc,24.9,Theft\n"
    )
    with pytest.warns(UserWarning, match="4 rows read, 1 kept"):
        frame, report = load_incidents(IncidentSpec(path=path))
    assert len(frame) == 1
    assert report.dropped == {"no coordinates": 2, "coordinates out of range": 1}


def test_csv_without_coordinates_lists_columns(tmp_path):
    path = tmp_path / "inc.csv"
    path.write_text("Where,When\nhere,now\n")
    with pytest.raises(
        IncidentDataError, match="the file has: Where, When; name them with lat_col"
    ):
        load_incidents(IncidentSpec(path=path))


def test_empty_incident_file(tmp_path):
    path = tmp_path / "inc.csv"
    path.write_text("")
    with pytest.raises(IncidentDataError, match="empty"):
        load_incidents(IncidentSpec(path=path))


def test_london_street_crime_loads_with_matching_counts():
    path = shared_file("incidents/city_of_london_street_2020.csv")
    raw = pd.read_csv(path)
    with pytest.warns(UserWarning):
        frame, report = load_incidents(IncidentSpec(path=path))
    assert report.rows_read == len(raw) == 5925
    assert report.rows_kept == raw["Latitude"].notna().sum() == len(frame)
    assert report.dropped["no coordinates"] == raw["Latitude"].isna().sum()


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
    total = sum(d["risk"] for _, _, d in annotated.edges(data=True))
    assert total > 1.0  # both directions carry the segment's risk
    assert helsinki.graph.edges[next(iter(helsinki.graph.edges(keys=True)))].get("risk") is None


def test_koper_curve_rewards_ten_to_fifteen_minutes():
    assert koper_value_min(5) < 5 * 0.6
    assert koper_value_min(12) == pytest.approx(12)
    assert koper_value_min(30) == koper_value_min(15) == pytest.approx(15)
