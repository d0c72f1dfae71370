"""Stations and shifts: police station names, the area's time zone, odd shifts."""

import datetime as dt
import warnings
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from planner.stations import area_zone, odd_shift_notes, police_names

HELSINKI = ZoneInfo("Europe/Helsinki")


def test_a_shift_of_exactly_twelve_hours_is_not_called_too_long():
    start = dt.datetime(2026, 12, 4, 18, 0, tzinfo=HELSINKI)
    assert odd_shift_notes(start, start + dt.timedelta(hours=12), "Europe/Helsinki") == []
    # 12 h 30 min is over the 12 h a foot patrol is planned for
    (note,) = odd_shift_notes(start, start + dt.timedelta(hours=12.5), "Europe/Helsinki")
    assert note.startswith("the shift lasts 12.5 h (Fri 18:00 to Sat 06:30)")


def test_the_area_time_zone_is_read_at_its_longitude_and_latitude(grid):
    # the grid lies at 60.17 N, 24.94 E (read the other way round: the Gulf of Oman)
    assert area_zone(grid) == "Europe/Helsinki"


def test_a_station_node_takes_the_name_of_a_police_station_within_100_m(grid):
    x, y = grid.nodes.loc[0, ["x_m", "y_m"]]
    features = gpd.GeoDataFrame(
        {"value": ["police", "police"], "name": ["Corner Station", "Far Station"]},
        geometry=[Point(x + 60, y), Point(x + 1000, y + 1000)],  # 60 m and 1.4 km from node 0
        crs=grid.crs,
    )
    places = {0: "Row 0 Street & Column 0 Avenue", 3: "Row 0 Street & Column 3 Avenue"}
    # node 3 is 300 m east of node 0: 240 m from Corner Station, too far to take its name
    assert police_names(grid, features, {0, 3}, places) == {
        0: "Corner Station (Row 0 Street & Column 0 Avenue)"
    }


def test_a_station_placed_by_police_name_is_called_so_though_its_street_is_farther(grid):
    from planner.scenario_patrol import StationSpec
    from planner.stations import resolve_station

    x, y = grid.nodes.loc[0, ["x_m", "y_m"]]
    features = gpd.GeoDataFrame(
        {"value": ["police"], "name": ["South Precinct"]},
        geometry=[Point(x, y - 140)],  # 140 m south of node 0, the grid's corner: off the streets
        crs=grid.crs,
    )
    assert resolve_station(StationSpec(police="south"), grid, features, "officers.station") == 0
    places = {0: "Row 0 Street & Column 0 Avenue", 1: "Row 0 Street & Column 1 Avenue"}
    # node 0 is where ``police: south`` puts the station: it is called so; node 1 (172 m) not
    assert police_names(grid, features, {0, 1}, places) == {
        0: "South Precinct (Row 0 Street & Column 0 Avenue)"
    }
    # the units avoid node 0's ways: the station snaps to node 1 (172 m), and is called so there
    usable = np.ones(len(grid.nodes), dtype=bool)
    usable[0] = False
    spec = StationSpec(police="south")
    assert resolve_station(spec, grid, features, "officers.station", usable) == 1
    assert police_names(grid, features, {0, 1}, places, usable) == {
        1: "South Precinct (Row 0 Street & Column 1 Avenue)"
    }


def test_a_police_station_is_found_by_its_name_as_written_brackets_and_all(grid):
    from planner.scenario_patrol import StationSpec
    from planner.stations import resolve_station

    x, y = grid.nodes.loc[5, ["x_m", "y_m"]]
    features = gpd.GeoDataFrame(
        {"value": ["police"], "name": ["Central Police Station (HQ)"]},
        geometry=[Point(x + 10, y)],  # 10 m east of node 5
        crs=grid.crs,
    )
    for name in ("central police", "Central Police Station (HQ)", "Station (HQ"):
        assert resolve_station(StationSpec(police=name), grid, features, "officers.station") == 5


def test_a_name_several_police_stations_match_is_warned_of_naming_the_one_taken(grid):
    from planner.errors import PlannerWarning
    from planner.scenario_patrol import StationSpec
    from planner.stations import resolve_station

    x, y = grid.nodes.loc[5, ["x_m", "y_m"]]
    features = gpd.GeoDataFrame(
        {"value": ["police"] * 3, "name": ["NYPD 17 PCT", "NYPD 10 PCT", "NYPD 1 PCT"]},
        geometry=[Point(x + 10, y), Point(x + 210, y), Point(x + 3000, y)],  # 5, 7, far off
        crs=grid.crs,
    )
    with pytest.warns(PlannerWarning) as caught:
        assert resolve_station(StationSpec(police="NYPD"), grid, features, "s.yaml") == 7
    (said,) = [str(w.message) for w in caught]
    assert said == (
        "s.yaml: 'NYPD' matches 2 police stations on the streets (NYPD 10 PCT, NYPD 17 PCT); "
        "NYPD 10 PCT is taken, the first by name; write more of its name to choose another"
    )  # not NYPD 1 PCT, 3 km off the streets: its name would not choose it
    # a name only one station has starts there without a word
    assert resolve_station(StationSpec(police="17 PCT"), grid, features, "s.yaml") == 5


def test_a_station_whose_name_is_part_of_another_s_is_chosen_by_its_whole_name(grid):
    import warnings

    from planner.scenario_patrol import StationSpec
    from planner.stations import resolve_station

    x, y = grid.nodes.loc[5, ["x_m", "y_m"]]
    features = gpd.GeoDataFrame(
        {"value": ["police"] * 2, "name": ["Helsinki Pasila", "Pasila"]},
        geometry=[Point(x + 10, y), Point(x + 210, y)],  # nodes 5 and 7
        crs=grid.crs,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "matches 2 police stations"
        assert resolve_station(StationSpec(police=" pasila"), grid, features, "s.yaml") == 7
        assert resolve_station(StationSpec(police="Helsinki"), grid, features, "s.yaml") == 5


def test_a_misspelt_police_name_is_offered_a_station_whose_words_are_like_it(grid):
    from planner.errors import ScenarioError
    from planner.scenario_patrol import StationSpec
    from planner.stations import resolve_station

    x, y = grid.nodes.loc[5, ["x_m", "y_m"]]
    features = gpd.GeoDataFrame(
        {"value": ["police", "police"], "name": ["Midtown South Precinct", "NYPD 10 PCT"]},
        geometry=[Point(x + 10, y), Point(x + 210, y)],
        crs=grid.crs,
    )

    def said(name: str) -> str:
        with pytest.raises(ScenarioError) as err:
            resolve_station(StationSpec(police=name), grid, features, "s.yaml")
        return str(err.value)

    assert "did you mean Midtown South Precinct?" in said("Midtwon South")
    assert "did you mean NYPD 10 PCT?" in said("NYPD 10 PTC")
    # another precinct's number, or its other word, is another station: none is offered
    assert "did you mean" not in said("NYPD 13 PCT")
    assert "did you mean" not in said("Midtown North")


def test_a_station_off_the_streets_is_told_of_swapped_lat_and_lon_only_when_they_are(helsinki):
    from planner.errors import ScenarioError
    from planner.scenario_patrol import StationSpec
    from planner.stations import resolve_station

    features = gpd.GeoDataFrame({"value": [], "name": []}, geometry=[], crs=helsinki.crs)
    with pytest.raises(ScenarioError) as swapped:
        resolve_station(StationSpec(lat=24.9384, lon=60.1699), helsinki, features, "s")
    assert "lat and lon look swapped: write lat: 60.1699, lon: 24.9384" in str(swapped.value)
    with pytest.raises(ScenarioError) as london:  # another city: nothing about swapping
        resolve_station(StationSpec(lat=51.5, lon=-0.1), helsinki, features, "s")
    assert "km from the nearest street" in str(london.value)
    assert "swapped" not in str(london.value) and "minus sign" not in str(london.value)
    with pytest.raises(ScenarioError) as signed:  # a minus sign typed in by mistake
        resolve_station(StationSpec(lat=60.1699, lon=-24.9384), helsinki, features, "s")
    assert "lon's minus sign looks added: write lat: 60.1699, lon: 24.9384" in str(signed.value)
    with pytest.raises(ScenarioError) as signed:
        resolve_station(StationSpec(lat=-60.1699, lon=24.9384), helsinki, features, "s")
    assert "lat's minus sign looks added: write lat: 60.1699, lon: 24.9384" in str(signed.value)


def test_a_station_point_far_from_every_street_node_is_planned_with_a_warning(grid):
    from planner.errors import PlannerWarning
    from planner.scenario_patrol import StationSpec
    from planner.stations import resolve_station

    x, y = grid.nodes.loc[0, ["x_m", "y_m"]]
    lon, lat = gpd.GeoSeries([Point(x - 130, y)], crs=grid.crs).to_crs(4326).iloc[0].coords[0]
    node = grid.nodes.loc[0]
    with pytest.warns(PlannerWarning) as caught:  # 130 m off the grid's corner: in a river?
        assert resolve_station(StationSpec(lat=lat, lon=lon), grid, None, "s.yaml: station") == 0
    (note,) = [str(w.message) for w in caught]
    assert note.startswith(f"s.yaml: station: ({lat}, {lon}) is 130 m from the nearest street")
    assert f"the plan puts it there, at ({node['lat']:.5f}, {node['lon']:.5f})" in note
    # 60 m off is a station set back from its street: taken without a word
    lon, lat = gpd.GeoSeries([Point(x - 60, y)], crs=grid.crs).to_crs(4326).iloc[0].coords[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert resolve_station(StationSpec(lat=lat, lon=lon), grid, None, "s.yaml: station") == 0
