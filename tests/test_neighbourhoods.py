"""Neighbourhoods: streets given to OSM place labels or to polygons, and clear errors."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from planner.coverage import street_pieces
from planner.errors import ScenarioError
from planner.graph import load_street_graph, osm_place_labels
from planner.neighbourhoods import OUTSIDE, from_labels, from_polygons
from planner.scenario import AreaSpec

HELSINKI_PLACES = ["Hakaniemi", "Kaartinkaupunki", "Kaisaniemi", "Keskusta", "Kluuvi", "Siltasaari"]
SUBURBS = ["Hakaniemi", "Kaartinkaupunki", "Kaisaniemi", "Kluuvi", "Siltasaari"]  # Keskusta: a
# neighbourhood label inside them, of a level with fewer names


@pytest.fixture(scope="module")
def pieces(helsinki):
    return street_pieces(helsinki)


def test_osm_labels_give_every_street_the_nearest_place_by_walking(helsinki, pieces):
    labels = osm_place_labels(AreaSpec(), helsinki)
    assert sorted(labels["name"]) == HELSINKI_PLACES  # names read from the tags' JSON
    hoods = from_labels(helsinki, pieces, labels)
    assert list(hoods.names) == SUBURBS
    assert hoods.source.startswith("OSM place labels (place=suburb)")
    assert (hoods.segment >= 0).all() and (hoods.node >= 0).all()
    assert (hoods.piece == hoods.segment[pieces.segment]).all()
    labels = labels[labels["value"] == "suburb"]
    snapped, _ = helsinki.nearest_node(labels.geometry.x, labels.geometry.y)
    dist = helsinki.distances_m(snapped)  # walking, from each label's street node
    for row, name in enumerate(labels["name"]):
        assert hoods.names[hoods.node[snapped[row]]] == name
    # a node goes to the label it is nearest to by walking, not by straight line
    nearest = np.argmin(dist, axis=0)
    names = labels["name"].to_numpy()
    assert all(hoods.names[hoods.node[v]] == names[nearest[v]] for v in range(0, dist.shape[1], 7))


def test_the_level_with_most_names_is_used_the_finer_on_a_tie(helsinki, pieces):
    labels = osm_place_labels(AreaSpec(), helsinki).sort_values("name")
    tied = labels.assign(value=["neighbourhood"] * 3 + ["suburb"] * 3)
    hoods = from_labels(helsinki, pieces, tied)
    assert list(hoods.names) == HELSINKI_PLACES[:3]
    assert "place=neighbourhood" in hoods.source


def test_too_few_labels_give_no_areas_and_say_why(helsinki, pieces):
    labels = osm_place_labels(AreaSpec(), helsinki)
    hoods = from_labels(helsinki, pieces, labels.head(1))
    assert hoods.names == ()
    assert "has 1 named place label(s) near its streets" in hoods.notes[0]
    assert "neighbourhoods.source: file" in hoods.notes[0]


def halves(helsinki, crs="EPSG:3067"):
    """West and east halves of the Helsinki streets, split at the middle node, in ``crs``."""
    x0, y0, x1, y1 = helsinki.segments.total_bounds
    split = float(np.median(helsinki.nodes["x_m"]))
    frame = gpd.GeoDataFrame(
        {"district": ["West", "East"]},
        geometry=[box(x0 - 10, y0 - 10, split, y1 + 10), box(split, y0 - 10, x1 + 10, y1 + 10)],
        crs=helsinki.crs,
    )
    return frame.to_crs(crs), split


def test_polygons_in_another_crs_hold_the_streets_midpoints(helsinki, pieces, tmp_path):
    frame, split = halves(helsinki)
    path = tmp_path / "districts.gpkg"
    frame.to_file(path)
    hoods = from_polygons(helsinki, pieces, path, "district", "s.yaml")
    assert hoods.names == ("East", "West")
    mid_x = helsinki.segments.geometry.interpolate(0.5, normalized=True).x.to_numpy()
    inside = np.abs(mid_x - split) > 1.0  # off the shared edge (metres lost to reprojection)
    expected = np.where(mid_x < split, hoods.names.index("West"), hoods.names.index("East"))
    assert (hoods.segment[inside] == expected[inside]).all()
    assert hoods.notes == ()


def test_streets_outside_every_polygon_are_counted_and_warned(helsinki, pieces, tmp_path):
    frame, _ = halves(helsinki)
    path = tmp_path / "west.geojson"
    frame.head(1).to_file(path)
    with pytest.warns(UserWarning, match=r"streets \(\d+\.\d km\) lie in none of the areas"):
        hoods = from_polygons(helsinki, pieces, path, "district", "s.yaml")
    assert hoods.names == ("West",)
    assert 0 < (hoods.segment < 0).sum() < len(hoods.segment)
    assert OUTSIDE in hoods.notes[0]


@pytest.mark.parametrize(
    ("make", "column", "fragments"),
    [
        (lambda f: f, "ward", ["has no column 'ward'", "its columns: district"]),
        (
            lambda f: f.set_geometry([Point(0, 0), Point(1, 1)]),
            "district",
            ["holds no polygon (Point)", "as polygons"],
        ),
        (
            lambda f: f.set_geometry([f.geometry.iloc[0], Point(0, 0)]),
            "district",
            ["rows 2 are not polygons (Point)"],
        ),
        (
            lambda f: f.set_geometry(f.geometry.translate(5e5, 0)),
            "district",
            ["none of its 2 polygons holds a street of the area", "another CRS"],
        ),
    ],
)
def test_bad_polygon_files_are_refused_with_what_to_fix(
    helsinki, pieces, tmp_path, make, column, fragments
):
    frame, _ = halves(helsinki, helsinki.crs)
    path = tmp_path / "areas.gpkg"
    make(frame).to_file(path)
    with pytest.raises(ScenarioError) as caught:
        from_polygons(helsinki, pieces, path, column, "s.yaml")
    message = str(caught.value)
    assert message.startswith(f"s.yaml: neighbourhoods.path {path}: ")
    for fragment in fragments:
        assert fragment in message


def test_a_file_that_is_not_geodata_is_refused(helsinki, pieces, tmp_path):
    path = tmp_path / "areas.geojson"
    path.write_text("district,name\nwest,1\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="cannot be read as polygons"):
        from_polygons(helsinki, pieces, path, "district", "s.yaml")


@pytest.mark.parametrize(
    ("name", "text", "fragment"),
    [
        (
            "areas.csv",
            'district,geometry\nwest,"POLYGON ((0 0, 1 0, 1 1, 0 0))"\n',
            "is a table without shapes (its columns: district, geometry), so no street can be "
            "placed in an area; give the areas' outlines as a GeoJSON, GeoPackage or shapefile",
        ),
        ("areas.geojson", '{"type": "FeatureCollection", "features": []}', "holds no area"),
        ("areas.geojson", "", "is an empty file (0 bytes)"),
    ],
)
def test_a_table_an_empty_file_or_no_area_is_refused(
    helsinki, pieces, tmp_path, name, text, fragment
):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        from_polygons(helsinki, pieces, path, "district", "s.yaml")
    assert str(caught.value).startswith(f"s.yaml: neighbourhoods.path {path}: {fragment}")


def test_nodes_on_an_outline_belong_to_an_area_and_shapeless_rows_are_skipped(
    helsinki, pieces, tmp_path
):
    frame, split = halves(helsinki, helsinki.crs)
    on_edge = int(np.argmin(np.abs(helsinki.nodes["x_m"].to_numpy() - split)))
    x = float(helsinki.nodes["x_m"].iloc[on_edge])
    x0, y0, x1, y1 = helsinki.segments.total_bounds
    frame = frame.set_geometry(  # the two halves meet exactly on a street node
        [box(x0 - 10, y0 - 10, x, y1 + 10), box(x, y0 - 10, x1 + 10, y1 + 10)]
    )
    frame = pd.concat([frame, frame.head(1).assign(district=None, geometry=[None])])
    frame["district"] = [7.0, 12.0, None]  # area numbers: read as floats beside a blank
    path = tmp_path / "districts.gpkg"
    frame.to_file(path)
    with pytest.warns(UserWarning, match="rows 3 have no outline and are left out"):
        hoods = from_polygons(helsinki, pieces, path, "district", "s.yaml")
    assert hoods.names == ("12", "7")
    assert (hoods.node >= 0).all() and hoods.node[on_edge] == hoods.names.index("7")


@pytest.mark.shared_data
def test_labels_of_another_level_fill_the_gaps_the_chosen_level_leaves():
    from .conftest import shared_file

    area = AreaSpec(source="file", path=shared_file("osm/city_of_london_2020.osm.pbf"))
    graph = load_street_graph(area)
    hoods = from_labels(graph, street_pieces(graph), osm_place_labels(area, graph))
    # the neighbourhood labels lie in the north; Temple and Blackfriars (quarters) hold the south
    assert {"Smithfield", "Temple", "Blackfriars"} <= set(hoods.names)
    assert "Clerkenwell" not in hoods.names  # a suburb label beside Clerkenwell Green
    assert "and Blackfriars, Temple where those leave gaps" in hoods.source
    assert any("left out: Clerkenwell" in note for note in hoods.notes)
    south = graph.nodes["lat"].to_numpy() < 51.5125
    temple = hoods.names.index("Temple"), hoods.names.index("Blackfriars")
    assert np.isin(hoods.node[south], temple).mean() > 0.5


def test_areas_that_hold_no_street_are_left_out_and_named(helsinki, pieces, tmp_path):
    frame, _ = halves(helsinki, helsinki.crs)
    x0, y0, x1, y1 = helsinki.segments.total_bounds
    city = box(x0 - 10, y0 - 10, x1 + 10, y1 + 10)
    whole = frame.head(1).assign(district="City", geometry=[city])
    far = frame.head(1).assign(district="Espoo", geometry=[box(x0 - 9e3, y0, x0 - 8e3, y1)])
    path = tmp_path / "nested.gpkg"
    pd.concat([whole, frame, far]).to_file(path)  # the city first: it takes every street
    with pytest.warns(UserWarning) as caught:
        hoods = from_polygons(helsinki, pieces, path, "district", "s.yaml")
    said = " | ".join(str(w.message) for w in caught)
    assert "3 area(s) hold no street of the plan and are left out of the report: East, Es" in said
    assert "3125 streets lie where areas meet or overlap: each goes to the first listed" in said
    assert hoods.names == ("City",) and (hoods.segment == 0).all()


def test_a_street_between_two_areas_goes_to_the_label_nearest_its_midpoint(helsinki, pieces):
    labels = osm_place_labels(AreaSpec(), helsinki)
    hoods = from_labels(helsinki, pieces, labels)
    labels = labels[labels["value"] == "suburb"]
    snapped, _ = helsinki.nearest_node(labels.geometry.x, labels.geometry.y)
    dist = helsinki.distances_m(snapped)  # (labels, nodes), walking
    names = labels["name"].to_numpy()
    u, v = (helsinki.segments[c].to_numpy() for c in ("u_idx", "v_idx"))
    # from a label outside a street, its midpoint is half the street beyond the nearer end
    to_mid = np.minimum(dist[:, u], dist[:, v])  # (labels, segments), half a length dropped
    ranked = np.sort(to_mid, axis=0)
    clear = ranked[1] - ranked[0] > 1.0  # no tie within a metre
    split = hoods.node[u] != hoods.node[v]  # ends in two areas: the midpoint decides
    assert (clear & split).sum() > 20
    expected = names[np.argmin(to_mid, axis=0)]
    got = np.array(hoods.names)[hoods.segment]
    assert (got[clear & split] == expected[clear & split]).all()
