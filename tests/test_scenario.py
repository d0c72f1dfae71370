import datetime as dt
import re
import warnings
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from planner.errors import PlannerWarning, ScenarioError
from planner.scenario import load_scenario, scenario_to_yaml, with_overrides
from planner.scenario_patrol import BreakSpec, ShiftSpec
from planner.stations import shift_window, under_way_note, warn_odd_shift

ROOT = Path(__file__).resolve().parent.parent

BASE = """
name: test
shift: {weekday: friday, start: 18:00, end: "02:00"}
officers: {count: 2, station: {lat: 60.1699, lon: 24.9384}}
"""


def write(tmp_path, text):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


def test_default_scenario_loads_with_units_and_absolute_output():
    s = load_scenario(ROOT / "scenarios/helsinki_default.yaml")
    assert s.officers.count == 4
    assert s.area.source == "embedded"
    assert s.output_dir.is_absolute()
    assert s.output_dir == (ROOT / "out/helsinki_default").resolve()


def test_a_name_may_use_letters_of_any_alphabet_and_names_the_output_folder(tmp_path):
    s = load_scenario(write(tmp_path, BASE.replace("name: test", "name: Töölö_yö")))
    assert s.name == "Töölö_yö" and s.output_dir.name == "Töölö_yö"


def test_a_tilde_in_a_path_is_the_users_home_folder(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "data").mkdir(parents=True)
    (home / "data" / "crimes.csv").write_text("Month,Crime type,Longitude,Latitude\n")
    monkeypatch.setenv("HOME", str(home))
    text = BASE + "output_dir: ~/plans/tonight\nincidents: [{path: ~/data/crimes.csv}]\n"
    (tmp_path / "scenarios").mkdir()
    s = load_scenario(write(tmp_path / "scenarios", text))
    assert s.output_dir == home / "plans" / "tonight"  # not a folder named '~' beside the file
    assert s.incidents[0].path == home / "data" / "crimes.csv"


def test_unquoted_clock_time_is_a_time_not_base_60_integer(tmp_path):
    s = load_scenario(write(tmp_path, BASE))
    assert s.shift.start == dt.time(18, 0)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "start: 18:00",
            "start: 1800",
            r'shift.start: write the clock time as quoted text, e.g. "18:00", not the number 1800',
        ),
        (
            'end: "02:00"',
            "end: 0200",  # YAML 1.1 would read octal: the number 128
            r'shift.end: write the clock time as quoted text, e.g. "02:00", not the number 200',
        ),
        (
            'end: "02:00"',
            "end: 2",  # an hour alone, not two minutes past midnight
            r'shift.end: write the clock time as quoted text, e.g. "02:00", not the number 2',
        ),
        (
            'end: "02:00"',
            "end: 2400",  # the end of the day, which an end may be
            r'shift.end: write the clock time as quoted text, e.g. "24:00", not the number 2400',
        ),
        (
            "start: 18:00",
            "start: 0900",  # no octal number: YAML 1.1 could not read it at all
            r'shift.start: write the clock time as quoted text, e.g. "09:00", not the number 900',
        ),
        (
            'end: "02:00"',
            'end: "26:00"',  # the hours past the start day's midnight
            r'shift.end: not a clock time \(got \'26:00\'\); write the clock time alone, "02:00": '
            "an end before the start is on the next day",
        ),
        (
            'end: "02:00"',
            'end: "2:00 PM"',  # the clock time meant, not the hour written
            r'shift.end: .*write the clock time alone, "14:00": an end before the start',
        ),
        (
            'end: "02:00"',
            'end: "12:30 a.m."',
            r'shift.end: .*write the clock time alone, "00:30": an end before the start',
        ),
        (
            "start: 18:00",
            'start: "8pm"',  # the 12-hour clock, as US schedules write it
            r"shift.start: not a clock time \(got \'8pm\'\); write it on the 24-hour clock, in "
            r'quotes: "20:00"',
        ),
        (
            "start: 18:00",
            'start: "12:15 a.m."',
            r'shift.start: .*write it on the 24-hour clock, in quotes: "00:15"',
        ),
        (
            "station: {lat",
            'meal_break: {minutes: 30, earliest: "11:30 PM", latest: "1 AM"}, station: {lat',
            r'officers.meal_break.earliest: .*24-hour clock, in quotes: "23:30"'
            r'(.|\n)*officers.meal_break.latest: .*24-hour clock, in quotes: "01:00"',
        ),
        (
            'end: "02:00"',
            'end: "2026-12-12 02:00"',
            r'shift.end: .*write the clock time alone, "02:00": an end before the start',
        ),
        (
            "start: 18:00",
            'start: "18:00-02:00"',  # pydantic reads 18:00 at UTC-2: a span, more likely
            r'shift.start: write the clock time without a UTC offset, "18:00" \(shift.timezone '
            r'names the clock\); a shift from 18:00 to 02:00 is start: "18:00", end: "02:00"',
        ),
        (
            'end: "02:00"',
            'end: "02:00Z"',
            r'shift.end: write the clock time without a UTC offset, "02:00" \(shift.timezone '
            r"names the clock\) \(got",
        ),
        (
            "count: 2",
            "count: true",
            "officers.count: true/false is not a value for this key; give a number",
        ),
        (
            "lat: 60.1699",
            "lat: true",
            "officers.station.lat: true/false is not a value for this key; give a number",
        ),
        (
            "weekday: friday",
            "weekday: friday, x: &a [*a, 2026-02-30]",
            "'2026-02-30' is not a real",
        ),
        (
            "weekday: friday",
            "date: 2026-02-30",
            r"line 3, column \d+: '2026-02-30' is not a real date \(February 2026 has 28 days\)",
        ),
        (
            "weekday: friday",
            "date: 2028-13-01",
            r"'2028-13-01' is not a real date \(there is no month 13\); give a date that exists",
        ),
        (
            "weekday: friday",
            'date: "2028-02-30"',  # quoted: text to pydantic, which says only "not a date"
            r"shift.date: not a date \(got '2028-02-30'\); February 2028 has 29 days; write a day",
        ),
    ],
)
def test_values_yaml_or_pydantic_would_misread_are_refused(tmp_path, old, new, message):
    with pytest.raises(ScenarioError, match=message):
        load_scenario(write(tmp_path, BASE.replace(old, new)))


def test_a_number_with_a_leading_zero_is_decimal_not_octal(tmp_path):
    s = load_scenario(write(tmp_path, BASE.replace("count: 2", "count: 010")))
    assert s.officers.count == 10  # YAML 1.1 reads 010 as octal 8
    tagged = load_scenario(write(tmp_path, BASE.replace("count: 2", "count: !!int 0_10")))
    assert tagged.officers.count == 10  # digits grouped, and tagged as a number: still decimal


def test_a_koper_curve_of_one_point_is_refused_naming_the_key_once(tmp_path):
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, BASE + "dwell:\n  koper_curve: [[0, 0]]\n"))
    said = str(err.value)
    assert "dwell.koper_curve: needs two or more [minutes, credit] points" in said
    assert said.count("dwell.koper_curve") == 1


def test_weekday_means_next_occurrence_and_overnight_shift_ends_next_day(tmp_path):
    s = load_scenario(write(tmp_path, BASE))
    wednesday = dt.date(2026, 11, 25)
    start, end = s.shift.window("Europe/Helsinki", wednesday)
    assert start.date() == dt.date(2026, 11, 27)
    assert end - start == dt.timedelta(hours=8)
    assert start.utcoffset() == dt.timedelta(hours=2)
    same_day = s.shift.window("Europe/Helsinki", dt.date(2026, 11, 27))[0]
    assert same_day.date() == dt.date(2026, 11, 27)


def test_a_weekday_shift_is_the_first_that_has_not_ended_by_now(tmp_path):
    s = load_scenario(write(tmp_path, BASE))  # friday 18:00-02:00
    zone = ZoneInfo("Europe/Helsinki")

    def start_at(now: dt.datetime) -> dt.date:
        return s.shift.window("Europe/Helsinki", now.date(), now)[0].date()

    friday, saturday = dt.date(2026, 11, 27), dt.date(2026, 11, 28)
    assert start_at(dt.datetime.combine(friday, dt.time(9), zone)) == friday  # ahead today
    assert start_at(dt.datetime.combine(friday, dt.time(19), zone)) == friday  # under way
    assert start_at(dt.datetime.combine(saturday, dt.time(1), zone)) == friday  # still
    assert start_at(dt.datetime.combine(saturday, dt.time(2), zone)) == dt.date(2026, 12, 4)
    early = s.shift.model_copy(update={"start": dt.time(0), "end": dt.time(8)})
    now = dt.datetime.combine(friday, dt.time(15, 40), zone)  # today's ended at 08:00
    assert early.window("Europe/Helsinki", friday, now)[0].date() == dt.date(2026, 12, 4)
    # last week's shift on the night the clocks went forward (03:30 never came) is no bar
    night = s.shift.model_copy(
        update={"weekday": "sunday", "start": dt.time(3, 30), "end": dt.time(8)}
    )
    now = dt.datetime(2026, 4, 1, 12, 0, tzinfo=zone)  # a Wednesday after 2026-03-29
    assert night.window("Europe/Helsinki", now.date(), now)[0].date() == dt.date(2026, 4, 5)
    # in the hour the clocks go back, a shift that ended in its first pass has ended
    late = s.shift.model_copy(
        update={"weekday": "saturday", "start": dt.time(22), "end": dt.time(3, 30)}
    )
    now = dt.datetime(2026, 10, 25, 3, 15, fold=1, tzinfo=zone)  # 03:15, the second time
    assert late.window("Europe/Helsinki", now.date(), now)[0].date() == dt.date(2026, 10, 31)
    now = now.replace(fold=0)  # 03:15 the first time: under way still
    assert late.window("Europe/Helsinki", now.date(), now)[0].date() == dt.date(2026, 10, 24)


def test_key_typo_names_the_key_and_suggests_the_fix(tmp_path):
    path = write(tmp_path, BASE.replace("count: 2", "cuont: 2"))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "line 4, officers.cuont: unknown key; did you mean 'count'?" in str(err.value)
    assert str(path) in str(err.value)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("count: 2", "count: two", "line 4, officers.count: not a whole number (got 'two')"),
        ("count: 2", "count: two", "(got 'two'); write a whole number, e.g. 4"),
        ("start: 18:00", "start: '25:00'", "line 3, shift.start: not a clock time (got '25:00')"),
        ("count: 2", "count: 0", "line 4, officers.count: should be greater than or equal to 1"),
        (
            "station: {lat: 60.1699, lon: 24.9384}",
            "station: Snow Hill",
            "line 4, officers.station: "
            "should be a mapping of keys, not a single value (got 'Snow Hill'); write it as "
            "{key: value, ...}; known keys here: lat, lon, name, node_id, police",
        ),
        ("name: test", "name: my district", "line 2, name: not a valid name (got 'my district')"),
        (
            "name: test",
            "name: my district",
            "use letters (any alphabet), digits, '_', '.' and '-' only",
        ),
        ("name: test", "name: '..'", "'..' names no folder of its own; add a letter or digit"),
        (
            "lat: 60.1699",
            "lat: '60,1699'",
            "officers.station.lat: not a number (got '60,1699'); use a dot as the decimal "
            "separator, and no thousands separator: 60.1699",
        ),
        (
            'end: "02:00"',
            'end: "02:00", timezone: London',
            "shift.timezone: unknown time zone; use an IANA name such as 'Europe/London' "
            "(got 'London')",
        ),
        (
            'end: "02:00"',
            'end: "02:00", timezone: new york',
            "such as 'America/New_York' (got 'new york')",
        ),
        ('end: "02:00"', 'end: "02:00", timezone: Eastern', "such as 'America/New_York'"),
        (  # no zone is named after Atlanta; Mazatlan, two hours off, is no fix
            'end: "02:00"',
            'end: "02:00", timezone: America/Atlanta',
            "shift.timezone: unknown time zone; use the IANA name of a city on the area's clock, "
            "such as 'America/New_York' or 'Europe/London', or leave shift.timezone out to take "
            "the area's own (got 'America/Atlanta')",
        ),
        ('end: "02:00"', 'end: "02:00", timezone: Europe/Londn', "such as 'Europe/London'"),
        ('end: "02:00"', 'end: "02:00", timezone: Helsinki/Finland', "such as 'Europe/Helsinki'"),
        (  # Etc/GMT+5 is five hours behind: never offered for an offset
            'end: "02:00"',
            'end: "02:00", timezone: GMT+5',
            "give the area's IANA zone, such as 'Europe/London', not a fixed offset",
        ),
    ],
)
def test_a_value_of_the_wrong_kind_names_its_line_and_what_to_write(tmp_path, old, new, expected):
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, BASE.replace(old, new)))
    assert expected in str(err.value)


def test_a_misspelt_required_key_is_named_once(tmp_path):
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, BASE.replace("officers:", "oficers:")))
    assert "oficers: unknown key; did you mean 'officers'?" in str(err.value)
    assert "officers: required but missing" not in str(err.value)  # the same mistake


def test_an_end_at_24_00_is_midnight_and_a_weekday_may_be_short(tmp_path):
    text = BASE.replace('end: "02:00"', 'end: "24:00"').replace("weekday: friday", "weekday: Fri.")
    shift = load_scenario(write(tmp_path, text)).shift
    assert (shift.end, shift.weekday) == (dt.time(0, 0), "friday")
    with pytest.raises(ScenarioError, match=r"shift\.start: not a clock time"):
        load_scenario(write(tmp_path, text.replace("start: 18:00", 'start: "24:00"')))
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, text.replace("start: 18:00", 'start: "00:00"')))
    # the check names its keys: the line is not headed "shift: shift.start ..."
    assert re.search(
        r"\n  line \d+: shift\.start and shift\.end are equal: a shift of no time, or of 24 hours",
        str(err.value),
    )


def test_an_end_that_makes_a_shift_of_over_16_hours_is_refused(tmp_path):
    text = BASE.replace('end: "02:00"', 'end: "17:30"')  # an hour mistyped: to 17:30 next day
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, text))
    said = str(err.value)
    assert "shift.start 18:00 and shift.end 17:30 make a shift of 23.5 h (an end before" in said
    assert "planned for at most 16 h: check the two times, e.g. 18:00 to 02:00" in said
    assert "swap" not in said  # 17:30-18:00 is no shift either
    swapped = text.replace("start: 18:00", 'start: "20:00"').replace('"17:30"', '"14:00"')
    with pytest.raises(ScenarioError, match=r"if the shift runs 14:00-20:00, swap shift\.start"):
        load_scenario(write(tmp_path, swapped))  # 18 h; the other way round, 6 h
    # sixteen hours by the clock is the longest taken
    assert load_scenario(write(tmp_path, BASE.replace('end: "02:00"', 'end: "10:00"'))).shift


def test_a_missing_key_names_no_line(tmp_path):
    text = BASE.replace("officers: {count: 2, station: {lat: 60.1699, lon: 24.9384}}\n", "")
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, text + "units: {count: 2}\n"))  # no close match
    assert "\n  officers: required but missing; add it" in str(err.value)
    assert "line 4, units: unknown key; known keys here: area," in str(err.value)


def test_negative_officer_count_is_rejected_with_field_and_value(tmp_path):
    with pytest.raises(
        ScenarioError, match=r"officers.count: .*greater than or equal to 1.*got -3"
    ):
        load_scenario(write(tmp_path, BASE.replace("count: 2", "count: -3")))


def test_a_pace_too_fast_is_told_it_is_in_metres_per_second(tmp_path):
    text = BASE.replace("count: 2,", "count: 2, pace_m_per_s: 5,")
    said = r"pace_m_per_s: should be less than or equal to 2.5 \(got 5\); the pace is in metres "
    with pytest.raises(ScenarioError, match=said + r"per second, not km/h: 5 km/h is 1\.39"):
        load_scenario(write(tmp_path, text))
    slow = BASE.replace("count: 2,", "count: 2, pace_m_per_s: 0.1,")  # too slow: no km/h
    with pytest.raises(ScenarioError, match=r"should be greater than 0.2 \(got 0.1\)$"):
        load_scenario(write(tmp_path, slow))


def test_missing_incident_file_is_named(tmp_path):
    text = BASE + "incidents:\n  - path: here.csv\n  - path: nowhere.csv\n"
    (tmp_path / "here.csv").write_text("Month,Crime type,Longitude,Latitude\n")
    with pytest.raises(
        ScenarioError, match=r"line 7, incidents.1.path: file not found: .*nowhere.csv"
    ):
        load_scenario(write(tmp_path, text))


def test_a_pattern_lists_monthly_files_in_name_order_with_the_entrys_mapping(tmp_path):
    months = ["2020-02", "2020-01", "2019-12"]
    for month in months:  # data.police.uk's layout: a folder per month
        (tmp_path / "police" / month).mkdir(parents=True)
        (tmp_path / "police" / month / f"{month}-city-street.csv").write_text("x\n")
        (tmp_path / "police" / month / f"{month}-city-outcomes.csv").write_text("y\n")
    (tmp_path / "police" / "2020-03").mkdir()  # a folder that matches: not a file
    text = BASE + "incidents:\n  - path: police/*/*-street.csv\n    max_snap_m: 40\n"
    found = load_scenario(write(tmp_path, text)).incidents
    assert [spec.path.name for spec in found] == [f"{m}-city-street.csv" for m in sorted(months)]
    assert all(spec.path.is_absolute() and spec.max_snap_m == 40 for spec in found)
    deep = load_scenario(write(tmp_path, BASE + "incidents:\n  - path: '**/*.csv'\n"))
    assert len(deep.incidents) == 6


def test_a_pattern_matching_no_file_or_a_folder_is_refused_with_the_fix(tmp_path):
    (tmp_path / "police").mkdir()
    text = BASE + "incidents:\n  - path: police/*/*-street.csv\n"
    with pytest.raises(ScenarioError, match=r"line 6, incidents.0.path: no file matches the pa"):
        load_scenario(write(tmp_path, text))
    with pytest.raises(ScenarioError, match=r"is a folder; name its incident files with a pat"):
        load_scenario(write(tmp_path, BASE + "incidents:\n  - path: police\n"))


def test_a_file_named_with_pattern_characters_is_read_as_named(tmp_path):
    (tmp_path / "crimes [2020].csv").write_text("x\n")
    (tmp_path / "crimes 2.csv").write_text("x\n")  # what the name read as a pattern matches
    text = BASE + "incidents:\n  - path: crimes [2020].csv\n"
    found = load_scenario(write(tmp_path, text)).incidents
    assert [spec.path.name for spec in found] == ["crimes [2020].csv"]


def test_missing_scenario_file(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    with pytest.raises(ScenarioError, match=r"scenario file not found.*try scenarios/helsinki"):
        load_scenario("no/such/file.yaml")  # from the project folder: the example is named
    monkeypatch.chdir(tmp_path)  # elsewhere, naming a path that is not there would not help
    with pytest.raises(ScenarioError, match="run from the project folder or give the scenario"):
        load_scenario("scenarios/helsinki_default.yaml")


def test_a_map_file_given_as_the_scenario_is_recognised():
    from planner.graph import embedded_pbf

    with pytest.raises(ScenarioError, match="an OpenStreetMap file, not a scenario") as err:
        load_scenario(embedded_pbf())
    assert f"area.path: {embedded_pbf()}" in str(err.value)


def test_date_and_weekday_together_are_ambiguous(tmp_path):
    text = BASE.replace("weekday: friday", "weekday: friday, date: 2026-12-04")
    with pytest.raises(ScenarioError, match=r"exactly one of shift\.date"):
        load_scenario(write(tmp_path, text))


@pytest.mark.parametrize(
    ("wkt", "message"),
    [
        ("POLYGON ((...))", "is not WKT"),
        ("", "is not WKT"),
        ("POINT (24.9 60.1)", "is a Point, not a polygon"),
        ("POLYGON EMPTY", "is empty"),
        ("POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))", r"is not a valid polygon \(Self-intersection"),
        ("POLYGON ((60 24, 61 24, 61 200, 60 24))", "lies outside longitude -180..180"),
    ],
)
def test_a_polygon_area_must_be_a_valid_wgs84_polygon(tmp_path, wkt, message):
    text = BASE + f'area: {{source: polygon, polygon_wkt: "{wkt}"}}\n'
    with pytest.raises(ScenarioError, match=rf"area\.polygon_wkt: {message}.*e\.g\. \"POLYGON"):
        load_scenario(write(tmp_path, text))
    good = "POLYGON ((24.93 60.16, 24.96 60.16, 24.96 60.18, 24.93 60.18, 24.93 60.16))"
    text = BASE + f'area: {{source: polygon, polygon_wkt: "{good}"}}\n'
    assert load_scenario(write(tmp_path, text)).area.polygon_wkt == good


@pytest.mark.parametrize(
    ("area", "message"),
    [
        ("{source: bbox, bbox_deg: [-500, -95, 500, 95]}", "bbox_deg lies outside longitude"),
        ("{source: bbox, bbox_deg: [190, 60, 191, 61]}", "bbox_deg lies outside longitude"),
        ("{source: bbox, bbox_deg: [-180, -90, 180, 90]}", "bbox_deg covers 510,065,881 km2"),
        ("{source: bbox, bbox_deg: [-84.6, 33.6, -84.2, 33.9]}", "bbox_deg covers 1,234 km2"),
        (
            '{source: polygon, polygon_wkt: "POLYGON ((20 60, 26 60, 26 62, 20 62, 20 60))"}',
            "polygon_wkt covers 72,260 km2; online downloads stop at 1,000 km2",
        ),
        (  # two parts of 620 km2, the second drawn clockwise: they add up, not cancel
            '{source: polygon, polygon_wkt: "MULTIPOLYGON (((24 60, 24.5 60, 24.5 60.2, 24 60.2, '
            '24 60)), ((25 60, 25 60.2, 25.5 60.2, 25.5 60, 25 60)))"}',
            "polygon_wkt covers 1,240 km2; online downloads stop at 1,000 km2",
        ),
        ("{source: place, place: '  '}", "area.place is empty"),
        (
            "{source: embedded, path: city.osm.pbf}",
            "area.path is not used with area.source 'embedded'; write source: file to use it, "
            "or remove area.path",
        ),
        ("{source: file, path: a.osm.pbf, place: Kallio}", "write source: place"),
        (
            "{source: bbox, bbox_deg: [24, 60, 25, 61], "
            "polygon_wkt: 'POLYGON ((24 60, 25 60, 25 61, 24 60))'}",
            "write source: polygon",
        ),
        (
            "{source: file, path: a.osm.pbf, bbox_deg: [24.9, 60.1, 25.0, 60.2], polygon_wkt: "
            "'POLYGON ((24.9 60.1, 25 60.1, 25 60.2, 24.9 60.1))'}",
            "both cut the map file; give one of them",
        ),
        ("{source: file, path: a.osm.pbf, bbox_deg: [25, 60, 24, 61]}", "west < east"),
    ],
)
def test_areas_lie_on_earth_are_district_sized_and_use_their_fields(tmp_path, area, message):
    with pytest.raises(ScenarioError, match=message):
        load_scenario(write(tmp_path, BASE + f"area: {area}\n"))
    city = BASE + "area: {source: bbox, bbox_deg: [-84.45, 33.70, -84.35, 33.80]}\n"
    assert load_scenario(write(tmp_path, city)).area.bbox_deg == (-84.45, 33.7, -84.35, 33.8)


def test_station_needs_one_kind_of_place(tmp_path):
    text = BASE.replace("{lat: 60.1699, lon: 24.9384}", "{lat: 60.1699, lon: 24.9384, node_id: 5}")
    with pytest.raises(ScenarioError, match=r"officers\.station"):
        load_scenario(write(tmp_path, text))


def test_bad_yaml_reports_line(tmp_path):
    with pytest.raises(ScenarioError, match=r"not valid YAML \(line \d+"):
        load_scenario(write(tmp_path, "name: [unclosed\n"))
    # an unclosed bracket or quote is noticed lines later: where it opened is said too
    text = "name: x\narea:\n  path: [unclosed\nshift: {weekday: friday}\n"
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, text))
    assert str(err.value).endswith(
        "not valid YAML (line 4, column 6): expected ',' or ']', but got ':' (inside the '[' "
        "opened at line 3, column 9); fix the syntax"
    )
    with pytest.raises(ScenarioError, match=r"inside the quote opened at line 1, column 7\)"):
        load_scenario(write(tmp_path, 'name: "abc\nshift: {weekday: friday}\n'))


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "officers:\n   count: 4\n  unit_size: 2\n",
            "(line 3, column 3): expected <block end>, but found '<block mapping start>'; line 3 "
            "is indented 2 spaces and the line above it 3: the keys (or list items) of one "
            "section line up; indent it as they are",
        ),
        (  # the section's first key is the slip: the keys after it line up
            "officers:\n   count: 4\n  station: {lat: 60.17, lon: 24.94}\n  unit_size: 2\n",
            "(line 3, column 3): expected <block end>, but found '<block mapping start>'; line 2, "
            "the first key of its section, is indented 3 spaces and the keys after it 2: the keys "
            "(or list items) of one section line up; indent line 2 as they are",
        ),
        (  # list items, and the text of a block scalar, are no section of keys
            "incidents:\n  - path: a.csv\n    schema: sf\n   - path: b.csv\n   - path: c.csv\n",
            "(line 4, column 4): expected <block end>, but found '<block sequence start>'; line 4 "
            "is indented 3 spaces and the line above it 4: the keys",
        ),
        (
            "name: x\nnotes: |\n    some text\n  more: 1\n  other: 2\n",
            "(line 4, column 3): expected <block end>, but found '<block mapping start>'; line 4 "
            "is indented 2 spaces and the line above it 4: the keys",
        ),
        (
            "officers:\n  count: 4\n    unit_size: 2\n",
            "(line 3, column 14): mapping values are not allowed here; line 3 is indented 4 "
            "spaces and the line above it 2: a key indented deeper than the key above it reads "
            "as part of that key's value; line it up with the keys of its section",
        ),
        (
            "officers:\n  count: 4\n# pairs\n unit_size: 2\n",  # the comment is no key
            "(line 4, column 2): expected <block end>, but found '<block mapping start>'; line 4 "
            "is indented 1 space and the line above it 2: the keys",
        ),
        (  # no slip of indentation: no word of it
            'shift:\n  start: "18:00" late\n  end: "02:00"\n',
            "(line 2, column 18): expected <block end>, but found '<scalar>'; fix the syntax",
        ),
        (
            "name: x\nofficers: {count: 4}\nshift:\n  weekday: friday: late\n",
            "(line 4, column 18): mapping values are not allowed here; a value holding ': ' must "
            'be in quotes, e.g. name: "Shift: late"',
        ),
    ],
)
def test_an_indentation_slip_is_said_with_the_indents_of_its_lines(tmp_path, text, said):
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, text))
    assert f"not valid YAML {said}" in str(err.value)


def test_a_key_given_twice_is_refused_not_overwritten(tmp_path):
    text = BASE.replace("weekday: friday", "weekday: friday, weekday: monday")
    with pytest.raises(ScenarioError, match=r"key 'weekday' is given twice \(first at line"):
        load_scenario(write(tmp_path, text))
    merged = "base: &b {weekday: friday}\n" + BASE.replace(
        "{weekday: friday", "{<<: *b, weekday: friday"
    )
    with pytest.raises(ScenarioError, match="base: unknown key"):  # merge keys may override
        load_scenario(write(tmp_path, merged))


def test_a_percentage_for_a_share_says_so(tmp_path):
    text = BASE.replace("count: 2,", "count: 2, held_back_share: 20,")
    with pytest.raises(
        ScenarioError,
        match=r"held_back_share: a share, not a percentage: 20 % is 0.2 \(allowed: 0 to 0.8\)",
    ):
        load_scenario(write(tmp_path, text))
    text = BASE.replace('end: "02:00"', "end: '2:00'")
    assert load_scenario(write(tmp_path, text)).shift.end == dt.time(2, 0)


def test_round_trip_through_yaml(tmp_path):
    s = load_scenario(write(tmp_path, BASE))
    again = load_scenario(write(tmp_path, scenario_to_yaml(s)))
    assert again.model_dump(exclude={"source_file"}) == s.model_dump(exclude={"source_file"})
    # clock times are written as a planner writes them, on the minute without seconds
    default = load_scenario(ROOT / "scenarios" / "helsinki_default.yaml")
    text = scenario_to_yaml(default)
    assert "earliest: '21:30'" in text and "start: '18:00'" in text and ":00:00" not in text
    assert load_scenario(write(tmp_path, text)).officers.meal_break == default.officers.meal_break


def test_overnight_shift_across_the_autumn_clock_change_lasts_nine_hours(tmp_path):
    from planner.clock import shift_seconds

    s = load_scenario(write(tmp_path, BASE.replace("weekday: friday", "date: 2020-10-24")))
    start, end = s.shift.window("Europe/London", dt.date(2020, 10, 1))
    assert start.isoformat() == "2020-10-24T18:00:00+01:00"
    assert end.isoformat() == "2020-10-25T02:00:00+00:00"
    assert shift_seconds(start, end) == 9 * 3600


def test_spring_clock_change_shortens_the_night(tmp_path):
    from planner.clock import shift_seconds

    text = BASE.replace("weekday: friday", "date: 2026-03-28").replace('"02:00"', '"06:00"')
    start, end = load_scenario(write(tmp_path, text)).shift.window(
        "Europe/Helsinki", dt.date.today()
    )
    assert shift_seconds(start, end) == 11 * 3600  # 18:00 to 06:00, clocks forward at 03:00


def test_clock_times_after_the_autumn_change_count_the_extra_hour():
    from zoneinfo import ZoneInfo

    from planner.clock import later, seconds_until

    start = dt.datetime(2020, 10, 24, 18, 0, tzinfo=ZoneInfo("Europe/London"))
    assert seconds_until(start, dt.time(20, 0)) == 2 * 3600
    assert seconds_until(start, dt.time(1, 30)) == 7.5 * 3600  # 01:00-02:00 BST first
    assert seconds_until(start, dt.time(2, 0)) == 9 * 3600
    assert later(start, 9 * 3600).isoformat() == "2020-10-25T02:00:00+00:00"


def test_a_clock_time_seen_twice_names_its_pass_by_the_clocks_name():
    from zoneinfo import ZoneInfo

    from planner.clock import chosen_pass, seconds_until

    start = dt.datetime(2020, 10, 24, 18, 0, tzinfo=ZoneInfo("Europe/London"))
    with pytest.raises(ScenarioError) as err:
        chosen_pass(start, dt.time(1, 30), None, "--at '01:30'")
    assert str(err.value) == (
        "--at '01:30': the clocks show 01:30 twice that night, as they go back (01:30 BST, then "
        "01:30 GMT an hour later); say which, as '01:30 BST' or '01:30 GMT'"
    )
    first = chosen_pass(start, dt.time(1, 30), "BST", "--at")
    second = chosen_pass(start, dt.time(1, 30), "gmt", "--at")
    assert (first.fold, second.fold) == (0, 1)
    assert seconds_until(start, first) == 7.5 * 3600
    assert seconds_until(start, second) == 8.5 * 3600
    with pytest.raises(ScenarioError, match="not on CET at 01:30 that night; give '01:30 BST' or"):
        chosen_pass(start, dt.time(1, 30), "CET", "--at")
    # a time the clocks show once needs no name, and a wrong one is refused
    assert chosen_pass(start, dt.time(20, 0), None, "--at") == dt.time(20, 0)
    assert chosen_pass(start, dt.time(2, 30), "GMT", "--at") == dt.time(2, 30)
    with pytest.raises(ScenarioError, match=r"not on BST at 02:30 that night; give '02:30 GMT'$"):
        chosen_pass(start, dt.time(2, 30), "BST", "--at")
    spring = dt.datetime(2020, 3, 28, 18, 0, tzinfo=ZoneInfo("Europe/London"))
    with pytest.raises(ScenarioError, match="01:30 does not occur on 2020-03-29"):
        chosen_pass(spring, dt.time(1, 30), None, "--at")
    # a shift that starts inside the hour shown twice has only the later passes ahead of it
    inside = dt.datetime(2020, 10, 25, 1, 45, tzinfo=ZoneInfo("Europe/London"))  # 01:45 BST
    assert chosen_pass(inside, dt.time(1, 30), None, "--at") == dt.time(1, 30)  # once ahead
    assert chosen_pass(inside, dt.time(1, 30), "GMT", "--at") == dt.time(1, 30)
    assert seconds_until(inside, dt.time(1, 30)) == 45 * 60  # 01:30 GMT, not a day later
    assert seconds_until(inside, dt.time(1, 50)) == 5 * 60  # 01:50 BST, still ahead
    assert seconds_until(inside, dt.time(1, 50, fold=1)) == 65 * 60  # and 01:50 GMT
    past = inside.replace(fold=1)  # 01:45 GMT: the summer pass of 01:50 is gone
    with pytest.raises(ScenarioError, match=r"not on BST at 01:50 that night; give '01:50 GMT'$"):
        chosen_pass(past, dt.time(1, 50), "BST", "--at")
    assert seconds_until(past, dt.time(1, 50)) == 5 * 60


def test_the_clock_time_a_shift_starts_at_is_its_first_second_not_the_next_day():
    from zoneinfo import ZoneInfo

    from planner.clock import seconds_until

    # a re-plan (or a unit leaving the plan) at the shift's first minute is 0 s into it
    start = dt.datetime(2020, 10, 24, 18, 0, tzinfo=ZoneInfo("Europe/London"))
    assert seconds_until(start, dt.time(18, 0)) == 0.0
    assert seconds_until(start, dt.time(17, 59)) == 24 * 3600 - 60 + 3600  # clocks go back


def test_clock_labels_are_hours_and_minutes_and_name_the_zone_only_across_a_change():
    from planner.clock import clock_label, later

    zone = ZoneInfo("Europe/Helsinki")
    evening = dt.datetime(2026, 12, 4, 18, 0, tzinfo=zone)
    back = later(evening, 3 * 3600 + 7 * 60 + 30).isoformat(timespec="seconds")
    assert clock_label(back, evening, later(evening, 4 * 3600)) == "21:07"
    autumn = dt.datetime(2026, 10, 24, 22, 0, tzinfo=zone)  # clocks go back at 04:00
    night = later(autumn, 5 * 3600 + 7 * 60 + 30).isoformat(timespec="seconds")
    assert clock_label(night, autumn, later(autumn, 9 * 3600)) == "03:07 EEST"


def test_a_clock_time_skipped_in_spring_is_refused(tmp_path):
    from zoneinfo import ZoneInfo

    from planner.clock import seconds_until

    start = dt.datetime(2026, 3, 28, 18, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
    assert seconds_until(start, dt.time(4, 30)) == 9.5 * 3600  # 03:00 became 04:00
    with pytest.raises(ScenarioError, match="03:30 does not occur on 2026-03-29"):
        seconds_until(start, dt.time(3, 30))
    # a shift that starts or ends in the skipped hour is refused, not moved an hour
    for times in (
        {"start": dt.time(3, 30), "end": dt.time(7, 0)},
        {"start": dt.time(1, 0), "end": dt.time(3, 15)},
    ):
        shift = ShiftSpec(date=dt.date(2026, 3, 29), timezone="Europe/Helsinki", **times)
        which = "start" if times["start"].hour == 3 else "end"
        with pytest.raises(
            ScenarioError, match=rf"shift\.{which}: 03:\d\d does not occur on 2026-03-29"
        ):
            shift.window("UTC", dt.date(2026, 3, 1))
    # the plan's message names the scenario file too
    text = BASE.replace("weekday: friday, start: 18:00", "date: 2026-03-29, start: '03:30'")
    path = write(tmp_path, text.replace('end: "02:00"', 'end: "07:00", timezone: Europe/Helsinki'))
    with pytest.raises(ScenarioError, match=rf"^{re.escape(str(path))}: shift\.start: 03:30 does"):
        shift_window(load_scenario(path), None)  # type: ignore[arg-type]  # the zone is given


@pytest.mark.parametrize(
    ("earliest", "latest", "message"),
    [
        ("15:30", "17:00", "does not fit in the shift"),  # ends before the shift
        (
            "19:45",
            "20:30",
            r"does not fit in the shift \(18:00-20:00\); move the window inside the shift or "
            r"shorten the break, or leave officers.meal_break out$",
        ),  # no 30 min break ends by 20:00; a short shift may have none
        ("19:30", "18:30", "earliest comes after latest"),  # inside, in the wrong order
    ],
)
def test_a_break_window_outside_or_inverted_is_explained(earliest, latest, message):
    spec = BreakSpec(earliest=earliest, latest=latest)
    start = dt.datetime(2026, 12, 4, 18, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
    with pytest.raises(ValueError, match=message):
        spec.offsets_s(start, 2 * 3600)
    inside = BreakSpec(earliest="18:30", latest="19:00")
    assert inside.offsets_s(start, 2 * 3600) == (1800.0, 3600.0)
    # a window reaching past either end of the shift is cut to the part that fits in it
    assert BreakSpec(earliest="17:30", latest="19:00").offsets_s(start, 2 * 3600) == (0, 3600)
    assert BreakSpec(earliest="19:00", latest="20:30").offsets_s(start, 2 * 3600) == (3600, 5400)


def test_a_break_outside_a_shift_of_swapped_hours_suggests_swapping_them():
    spec = BreakSpec(earliest="20:30", latest="21:30")
    start = dt.datetime(2026, 12, 4, 23, 0, tzinfo=ZoneInfo("Europe/London"))
    with pytest.raises(ValueError, match="does not fit in the shift") as err:
        spec.offsets_s(start, 18 * 3600)  # 23:00-17:00, meant as 17:00-23:00
    assert str(err.value).endswith(
        ", or, if the shift runs 17:00-23:00, swap shift.start and shift.end"
    )
    with pytest.raises(ValueError) as err:  # a short shift: no such hint
        spec.offsets_s(start, 4 * 3600)
    assert "swap" not in str(err.value)


def test_planning_says_when_the_break_window_is_cut_to_the_shift(tmp_path):
    from planner.stations import break_window

    text = BASE.replace("count: 2,", "count: 2, meal_break: {earliest: '21:30', latest: '22:30'},")
    scenario = load_scenario(write(tmp_path, text))
    start = dt.datetime(2026, 12, 4, 18, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
    shift = start, start + dt.timedelta(hours=4)
    with pytest.warns(PlannerWarning, match="window 21:30-22:30 is cut to 21:30-21:30, where a 30"):
        assert break_window(scenario, shift) == (3.5 * 3600, 3.5 * 3600)
    with pytest.warns(PlannerWarning, match="the break now falls in the last 30 min of the shift"):
        break_window(scenario, shift)
    night = start + dt.timedelta(hours=4), start + dt.timedelta(hours=12)  # 22:00 to 06:00
    with pytest.warns(PlannerWarning) as said:
        assert break_window(scenario, night) == (0.0, 0.5 * 3600)
    assert "cut to 22:00-22:30" in str(said[0].message)
    assert "the break now falls in the first 60 min of the shift" in str(said[0].message)
    middle = start, start + dt.timedelta(hours=8)  # 18:00 to 02:00: the window fits whole
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert break_window(scenario, middle) == (3.5 * 3600, 4.5 * 3600)


@pytest.mark.parametrize(("latest", "first_min"), [("22:40", 70), ("22:48", 78)])
def test_a_break_cut_to_start_within_a_tenth_of_the_shift_is_said_to_fall_at_its_start(
    tmp_path, latest, first_min
):
    from planner.stations import break_window

    # 22:00 to 06:00: a tenth of the shift is 48 min, longer than the 30 min break
    meal = f"meal_break: {{earliest: '21:30', latest: '{latest}'}},"
    scenario = load_scenario(write(tmp_path, BASE.replace("count: 2,", f"count: 2, {meal}")))
    start = dt.datetime(2026, 12, 4, 22, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
    with pytest.warns(PlannerWarning) as said:
        break_window(scenario, (start, start + dt.timedelta(hours=8)))
    assert f"cut to 22:00-{latest}" in str(said[0].message)
    assert f"the break now falls in the first {first_min} min of the shift" in str(said[0].message)


def test_break_and_unit_hours_count_the_hour_clocks_go_back():
    from planner.scenario_patrol import UnitSpec

    start = dt.datetime(2026, 10, 24, 20, 0, tzinfo=ZoneInfo("Europe/Helsinki"))  # to 06:00
    night_s = 11 * 3600  # 20:00 EEST to 06:00 EET
    window = BreakSpec(earliest="04:30", latest="04:45").offsets_s(start, night_s)
    assert window == (9.5 * 3600, 9.75 * 3600)
    assert UnitSpec(end="05:00").offsets_s(start, night_s) == (0.0, 10 * 3600)


@pytest.mark.parametrize(
    ("shift", "warning"),
    [
        ('{weekday: friday, start: "18:00", end: "02:00"}', None),
        ('{weekday: friday, start: "18:00", end: "08:30"}', r"the shift lasts 14\.5 h \(Fri 18:00"),
        (
            '{weekday: friday, start: "18:00", end: "02:00", timezone: America/New_York}',
            r"not the area's time zone \(Europe/Helsinki\): the shift starts at 01:00 there",
        ),
    ],
)
def test_odd_shifts_are_planned_with_a_warning(tmp_path, helsinki, shift, warning):
    text = BASE.replace('{weekday: friday, start: 18:00, end: "02:00"}', shift)
    scenario = load_scenario(write(tmp_path, text))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start, end = shift_window(scenario, helsinki, dt.date(2026, 11, 25))
        warn_odd_shift(start, end, helsinki)
    assert start.hour == 18
    messages = [str(w.message) for w in caught if issubclass(w.category, PlannerWarning)]
    if warning is None:
        assert messages == []
    else:
        assert len(messages) == 1
        assert re.search(warning, messages[0])


def test_the_shift_planned_is_the_first_not_ended_in_the_shift_zone(tmp_path, helsinki):
    # UTC+14 and UTC-11 are 25 hours apart: their dates always differ
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago", None):
        shift = '{weekday: friday, start: 18:00, end: "02:00"}'
        text = BASE if zone is None else BASE.replace(shift, shift[:-1] + f", timezone: {zone}}}")
        start, end = shift_window(load_scenario(write(tmp_path, text)), helsinki)
        now = dt.datetime.now(dt.UTC)
        assert str(start.tzinfo) == (zone or "Europe/Helsinki")  # without one, the area's
        assert start.weekday() == 4 and start.hour == 18  # a Friday in that zone
        assert end > now >= end - dt.timedelta(days=7)  # not ended; the one before has


def test_a_radius_that_would_watch_almost_nothing_is_refused(tmp_path):
    posts = BASE + "posts: {visibility_radius_m: 10}\n"
    with pytest.raises(
        ScenarioError, match=r"line 5, posts.visibility_radius_m: .* 25 .*midpoints"
    ):
        load_scenario(write(tmp_path, posts))
    dwell = BASE + "dwell: {visibility_radius_m: 1}\n"
    with pytest.raises(ScenarioError, match=r"line 5, dwell.visibility_radius_m: .* 25"):
        load_scenario(write(tmp_path, dwell))


def test_stop_and_break_lengths_written_in_hours_are_refused(tmp_path):
    stops = BASE + "dwell: {min_minutes: 0.17, max_minutes: 0.25}\n"
    with pytest.raises(
        ScenarioError,
        match=r"dwell.min_minutes: .* 1 .*given in minutes \(a Koper stop lasts 10-15\)",
    ):
        load_scenario(write(tmp_path, stops))
    meal = "meal_break: {minutes: 0.5, earliest: '19:00', latest: '20:00'}"
    text = BASE.replace("officers: {", "officers: {" + meal + ", ")
    with pytest.raises(
        ScenarioError, match=r"meal_break.minutes: .* 5 .*given in minutes, e.g. 30"
    ):
        load_scenario(write(tmp_path, text))


def test_a_us_date_and_an_incident_mapping_get_what_to_write(tmp_path):
    us = BASE.replace("{weekday: friday,", "{date: '03/13/2026',")
    with pytest.raises(ScenarioError, match=r"line 3, shift.date: .*YYYY-MM-DD, e.g. 2026-03-13"):
        load_scenario(write(tmp_path, us))
    one = BASE + "incidents: {path: crimes.csv}\n"
    with pytest.raises(ScenarioError, match=r"line 5, incidents: .*list, on its own line: '  - "):
        load_scenario(write(tmp_path, one))


def test_overrides_merge_nested_sections_and_refuse_unknown_names():
    s = load_scenario(ROOT / "scenarios/helsinki_default.yaml")
    assert s.officers.meal_break is not None
    changed = with_overrides(s, {"officers": {"meal_break": {"minutes": 20}}}, "my script")
    assert changed.officers.meal_break.minutes == 20
    assert changed.officers.meal_break.earliest == s.officers.meal_break.earliest  # kept
    assert changed.officers.count == s.officers.count
    assert changed.source_file == s.source_file
    with pytest.raises(ScenarioError, match=r"(?s)my script: .*did you mean .officers."):
        with_overrides(s, {"officer": {"count": 2}}, "my script")


def test_a_radius_belongs_to_forbidden_zones_and_is_in_metres(tmp_path):
    cover = BASE + "places: {must_cover: [{lat: 60.17, lon: 24.94, radius_m: 300}]}\n"
    with pytest.raises(ScenarioError, match=r"places.must_cover.0.radius_m: unknown key"):
        load_scenario(write(tmp_path, cover))
    tiny = BASE + "places: {forbidden: [{lat: 60.17, lon: 24.94, radius_m: 0.15}]}\n"
    with pytest.raises(ScenarioError, match=r"forbidden.0.radius_m: .*greater than or equal to 10"):
        load_scenario(write(tmp_path, tiny))
    zone = BASE + "places: {forbidden: [{lat: 60.17, lon: 24.94}]}\n"
    assert load_scenario(write(tmp_path, zone)).places.forbidden[0].radius_m == 100.0


def test_a_polygons_file_is_read_only_with_source_file(tmp_path):
    (tmp_path / "wards.geojson").write_text("{}", encoding="utf-8")
    stray = BASE + "neighbourhoods: {source: osm, path: wards.geojson}\n"
    with pytest.raises(ScenarioError, match=r"neighbourhoods\.path is read only with source"):
        load_scenario(write(tmp_path, stray))


def test_stops_longer_than_the_koper_curve_credits_are_warned_of():
    from planner.patrol_rules import _warn_past_the_curve
    from planner.scenario_patrol import KOPER_CURVE

    with pytest.warns(
        PlannerWarning, match=r"stops last 30 min \(dwell.max_minutes\), but the Koper"
    ):
        _warn_past_the_curve(30.0, KOPER_CURVE)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _warn_past_the_curve(15.0, KOPER_CURVE)  # up to the curve's last point: nothing to say


def test_a_weekday_shift_under_way_is_said_to_be_the_one_planned(tmp_path, helsinki):
    scenario = load_scenario(write(tmp_path, BASE))  # friday, 18:00 to 02:00
    late = dt.datetime(2026, 12, 4, 23, 14, tzinfo=dt.UTC)  # 01:14 in Helsinki
    start, end = shift_window(scenario, helsinki, now=late)
    assert (start.day, end.day) == (4, 5)  # the shift under way, not next week's
    assert under_way_note(scenario, start, end, late) == (
        "shift.weekday friday: the shift planned is the one under way: it began at 18:00, "
        "7 h 14 min before this plan was made at 01:14, and 46 min of it were left; re-plan the "
        "rest from where the units are, or give shift.date: 2026-12-11 for next week's"
    )
    assert under_way_note(scenario, start, end, late.replace(hour=15)) is None  # not begun
    dated = load_scenario(write(tmp_path, BASE.replace("weekday: friday", "date: 2026-12-04")))
    assert under_way_note(dated, start, end, late) is None  # the day asked for


def test_a_plan_of_the_shift_under_way_carries_the_note_into_its_files(two_officer_plan, tmp_path):
    import json

    from planner.export import write_plan
    from planner.stations import with_under_way_note

    plan = two_officer_plan  # friday 27 Nov 2026, 18:00 to 02:00 in Helsinki
    assert with_under_way_note(plan, dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)) is plan
    with pytest.warns(PlannerWarning, match="the shift planned is the one under way"):
        late = with_under_way_note(plan, dt.datetime(2026, 11, 27, 23, 14, tzinfo=dt.UTC))
    (note,) = [w for w in late.warnings if w not in plan.warnings]
    assert "began at 18:00, 7 h 14 min before this plan was made at 01:14" in note
    write_plan(late, tmp_path)
    assert note in json.loads((tmp_path / "kpis.json").read_text())["warnings"]
    assert "the shift planned is the one under way" in (tmp_path / "briefing.html").read_text()


def test_a_pattern_leaves_hidden_files_out_and_reads_a_file_reached_twice_once(tmp_path):
    month = tmp_path / "police" / "2020-01"
    month.mkdir(parents=True)
    (month / "2020-01-city-street.csv").write_text("x\n")
    (month / "._2020-01-city-street.csv").write_text("mac\n")  # what macOS leaves beside it
    (tmp_path / "police" / ".snap").mkdir()
    (tmp_path / "police" / ".snap" / "2019-12-city-street.csv").write_text("x\n")
    (tmp_path / "police" / "latest").symlink_to(month)  # the same month, by a link
    text = BASE + "incidents:\n  - path: police/*/*-street.csv\n"  # reaches latest/ and .snap/
    found = load_scenario(write(tmp_path, text)).incidents
    assert [spec.path for spec in found] == [(month / "2020-01-city-street.csv").resolve()]
    for dotted in ("police/.snap/*-street.csv", "police/.*/*-street.csv"):  # a dot written
        text = BASE + f"incidents:\n  - path: {dotted}\n"
        assert [s.path.parent.name for s in load_scenario(write(tmp_path, text)).incidents] == [
            ".snap"
        ]
    # a missing file with brackets in its name is missing, not a class of other names
    (tmp_path / "crimes2.csv").write_text("x\n")
    text = BASE + "incidents:\n  - path: crimes[2021].csv\n"
    with pytest.raises(ScenarioError, match=r"file not found: .*crimes\[2021\]\.csv"):
        load_scenario(write(tmp_path, text))


def test_stops_are_planned_no_longer_than_the_dosage_cap_of_one_hot_spot(tmp_path, grid):
    from planner.coverage import street_pieces
    from planner.hotspots import find_hotspots
    from planner.patrol_rules import patrol_rules
    from planner.risk import terrain_risk

    from .test_risk import bar_at

    pieces = street_pieces(grid)
    risk = terrain_risk(grid, bar_at(grid, 5), pieces, 100, 0.1)
    spots = find_hotspots(grid, risk, pieces, 50, 10, 50)
    zone = ZoneInfo("Europe/Helsinki")
    shift = (dt.datetime(2026, 12, 4, 18, tzinfo=zone), dt.datetime(2026, 12, 4, 22, tzinfo=zone))

    def dwell_s(dwell: str) -> float:
        scenario = load_scenario(write(tmp_path, BASE + f"dwell: {dwell}\n"))
        return patrol_rules(scenario, risk, pieces, spots, (0, 0), shift, frozenset()).dwell_s

    assert dwell_s("{max_minutes: 15}") == 15 * 60
    assert dwell_s("{max_minutes: 15, max_minutes_per_spot: 10}") == 10 * 60  # one stop: 10 min
    assert dwell_s("{max_minutes: 12, max_minutes_per_spot: 40}") == 12 * 60
