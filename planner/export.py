"""Plan files officers can carry: GeoJSON, one GPX per officer, a CSV schedule, KPIs as JSON.

:func:`plan_files` renders every file in memory (the app offers them as downloads);
:func:`write_plan` writes them all or nothing: into a temporary folder first, then moved into
place, so a failure never leaves a partial set. Same plan, same bytes: stable order, fixed
rounding, no timestamps beyond the plan's own.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import gpxpy.gpx
import pandas as pd
import shapely

from planner.briefing import briefing_html, own_hours
from planner.errors import ExportError, warn
from planner.evaluate import plan_warnings
from planner.followed import variant_folders, walked_rules
from planner.places import zone_outlines
from planner.plan import GONE, GONE_ACTION, Leg, Plan, Route, leg_action, station_roles
from planner.tracks import route_pieces

#: Where a plan's output folder is chosen (for messages).
OUT_OPTIONS = "--out, or output_dir in the scenario"
#: Decimal places of exported degrees (~1 cm).
DEGREE_DIGITS = 7


def to_gpx(plan: Plan, route: Route, wgs84: gpd.GeoSeries) -> str:
    """GPX 1.1 of one officer (or pair): a timed track (UTC) and waypoints.

    A waypoint marks each dwell (type ``dwell``), the station (``station``; the end station
    too, when it is another), each meal break (``break``) and where each call for service
    before a re-plan took the unit (``call``), in time order; then each no-go zone of the
    scenario (``no-go``, untimed).
    """
    doc = gpxpy.gpx.GPX()
    doc.creator = "patrol-planner"
    label = f", {plan.label}" if plan.label else ""
    day = f"{plan.shift_start:%a %d %b %Y %H:%M}"  # tracks of other shifts stay apart on a device
    pair = " (2 officers)" if plan.unit_word == "unit" else ""
    unit = f"{plan.unit_word.capitalize()} {route.officer}{pair}"
    doc.name = f"{plan.scenario.name}{label}: {unit}, {day}"
    hours = f", {own}" if (own := own_hours(plan, route)) else ""  # a unit's own hours
    track = gpxpy.gpx.GPXTrack(name=f"{unit}, {day}{hours}{label}")
    for piece in route_pieces(plan, route, wgs84):  # a new segment after a call's way
        segment = gpxpy.gpx.GPXTrackSegment()
        for lon, lat, t in piece:
            segment.points.append(
                gpxpy.gpx.GPXTrackPoint(
                    round(lat, DEGREE_DIGITS), round(lon, DEGREE_DIGITS), time=_utc_ms(plan, t)
                )
            )
        track.segments.append(segment)
    doc.tracks.append(track)
    width = len(str(len(route.dwells)))  # 01 .. 12: a device listing names by text keeps order
    for number, leg in enumerate(route.dwells, start=1):  # numbered as in the briefing
        minutes = (leg.end_s - leg.start_s) / 60
        name = f"{number:0{width}d}: {plan.places[leg.to_node]}"
        doc.waypoints.append(
            _waypoint(
                plan,
                leg.to_node,
                leg.start_s,
                name,
                f"stop {number}, dwell {minutes:.0f} min",
                "dwell",
            )
        )
    doc.waypoints += _station_and_breaks(plan, route)
    # in the order the unit reaches them (each of these has its time)
    doc.waypoints.sort(key=lambda w: w.time)  # type: ignore[arg-type,return-value]
    doc.waypoints += [  # then the places it must keep away from (no time)
        gpxpy.gpx.GPXWaypoint(
            round(zone.lat, DEGREE_DIGITS),
            round(zone.lon, DEGREE_DIGITS),
            name=f"No-go: {zone.name}" if zone.name else "No-go zone",
            description=f"no-go zone: keep off the streets within {zone.radius_m:g} m",
            type="no-go",
        )
        for zone in plan.scenario.places.forbidden
    ]
    return doc.to_xml(version="1.1")


#: The legs marked by a waypoint of their own (its type is the leg's kind), and its name.
_LEG_WAYPOINTS = {"break": "Meal break", "call": "Call for service"}


def _station_and_breaks(plan: Plan, route: Route) -> list[gpxpy.gpx.GPXWaypoint]:
    """Waypoints of where the unit starts and ends, of its meal breaks and of its calls."""
    if not route.legs:
        return []
    start, end = route.legs[0].from_node, route.legs[-1].to_node
    ends_here = end == start and not route.gone
    first = "start and end of the shift" if ends_here else "start of the shift"
    points = [_waypoint(plan, start, route.legs[0].start_s, "Station", first, "station")]
    if route.gone:  # it left the shift there: no end station
        points.append(_waypoint(plan, end, route.end_s, "Gone", GONE_ACTION, GONE))
    elif end != start:
        points.append(
            _waypoint(plan, end, route.end_s, "End station", "end of the shift", "station")
        )
    for leg in (leg for leg in route.legs if leg.kind in _LEG_WAYPOINTS):
        said = leg_action(leg, route)  # "meal break 30 min", as the schedule says it
        name = _LEG_WAYPOINTS[leg.kind]
        points.append(_waypoint(plan, leg.to_node, leg.start_s, name, said, leg.kind))
    return points


def _waypoint(
    plan: Plan, node: int, offset_s: float, name: str, description: str, kind: str
) -> gpxpy.gpx.GPXWaypoint:
    """Return a waypoint at a street node and a time of the shift.

    A stop's name holds its place; the place of any other follows its description.
    """
    where = plan.graph.nodes.loc[node]
    place = plan.places.get(node)
    if kind != "dwell" and place:
        description = f"{description}: {place}"
    return gpxpy.gpx.GPXWaypoint(
        round(float(where["lat"]), DEGREE_DIGITS),
        round(float(where["lon"]), DEGREE_DIGITS),
        time=_utc(plan, offset_s),
        name=name,
        description=description,
        type=kind,
    )


def _utc_ms(plan: Plan, offset_s: float) -> dt.datetime:
    """UTC time of an offset to the millisecond.

    Track points a few metres apart need it, or GPS tools read two points at the same second as
    a jump at infinite speed.
    """
    at = plan.at(offset_s)
    return at.replace(microsecond=at.microsecond // 1000 * 1000).astimezone(dt.UTC)


def _utc(plan: Plan, offset_s: float) -> dt.datetime:
    """UTC time of an offset, to the second as the schedule and GeoJSON write it."""
    return plan.at_second(offset_s).astimezone(dt.UTC)


def to_geojson(plan: Plan, wgs84: gpd.GeoSeries) -> str:
    """Write the plan as a GeoJSON FeatureCollection (WGS84): :func:`plan_features` as text."""
    return plan_features(plan, wgs84).to_json(drop_id=True, na="drop", indent=None)


def plan_features(plan: Plan, wgs84: gpd.GeoSeries | None = None) -> gpd.GeoDataFrame:
    """Return what ``plan.geojson`` holds, as a GeoDataFrame in WGS84 with a ``layer`` column.

    Its layers are segment, route, dwell, post, station (and end_station when it differs),
    one station feature per place with the officers (units) who use it, and the scenario's
    must_cover places (with their stops) and forbidden zones (circles of their radius).
    ``wgs84`` is the street segments' geometry in WGS84, when the caller has it already.
    """
    graph = plan.graph
    if wgs84 is None:
        wgs84 = graph.segments.geometry.to_crs("EPSG:4326")
    records: list[dict] = []
    density = plan.risk.density_per_m(graph)
    for i, geom in enumerate(wgs84):
        records.append(
            {
                "layer": "segment",
                "name": graph.segments["name"].iloc[i],
                "risk": round(float(plan.risk.segment_risk[i]), 9),
                "risk_per_km": round(float(density[i]) * 1000, 6),
                "geometry": geom,
            }
        )
    for route in plan.routes:
        lines = [
            [(x, y) for x, y, _ in piece]
            for piece in route_pieces(plan, route, wgs84)
            if len(piece) >= 2
        ]
        if lines:  # pieces apart where a call took the unit elsewhere: km is what is drawn
            records.append(
                {
                    "layer": "route",
                    "officer": route.officer,
                    "km": round(route.distance_m / 1000, 3),
                    "geometry": (
                        shapely.LineString(lines[0])
                        if len(lines) == 1
                        else shapely.MultiLineString(lines)
                    ),
                }
            )
        for number, leg in enumerate(route.dwells, start=1):
            node = graph.nodes.loc[leg.to_node]
            records.append(
                {
                    "layer": "dwell",
                    "officer": route.officer,
                    "stop": number,  # the unit's stops in order, as in the briefing and GPX
                    "hotspot": leg.spot + 1,  # its number, as in kpis.json
                    "name": plan.places[leg.to_node],
                    "arrive": plan.at_second(leg.start_s).isoformat(timespec="seconds"),
                    "minutes": round((leg.end_s - leg.start_s) / 60, 2),
                    "geometry": shapely.Point(node["lon"], node["lat"]),
                }
            )
    for node, roles in station_roles(plan.routes).items():
        units = sorted(set(roles["start"]) | set(roles["end"]))  # all that use it
        records.append(
            {
                "layer": "station" if roles["start"] else "end_station",
                "name": plan.places[node],
                "officers": ", ".join(map(str, units)),
                "geometry": shapely.Point(
                    graph.nodes.loc[node, "lon"], graph.nodes.loc[node, "lat"]
                ),
            }
        )
    for post in plan.posts:
        records.append(
            {
                "layer": "post",
                "name": post.place,
                "watched_risk": round(post.watched_risk, 6),
                "radius_m": plan.scenario.posts.visibility_radius_m,
                "geometry": shapely.Point(post.lon, post.lat),
            }
        )
    records += _place_records(plan)
    frame = gpd.GeoDataFrame(records, geometry="geometry", crs="EPSG:4326")
    # blank on other layers: keep the counts whole (1, not 1.0)
    for column in ("officer", "stop", "hotspot", "stops"):
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    exact = shapely.set_precision(frame.geometry.to_numpy(), 10**-DEGREE_DIGITS)
    frame["geometry"] = shapely.orient_polygons(exact)  # outer rings anticlockwise (RFC 7946)
    return frame


def _place_records(plan: Plan) -> list[dict]:
    """Map the scenario's must-cover places (with their stops) and forbidden zones."""
    places = plan.scenario.places
    cover = plan.kpis["must_cover"]  # empty when the plan has no patrol
    records = [
        {
            "layer": "must_cover",
            "name": cover[i]["name"] if cover else place.name,
            "stops": cover[i]["stops"] if cover else None,
            "geometry": shapely.Point(place.lon, place.lat),
        }
        for i, place in enumerate(places.must_cover)
    ]
    outlines = zone_outlines(plan.graph, places.forbidden)
    records += [
        {"layer": "forbidden", "name": zone.name, "radius_m": zone.radius_m, "geometry": outline}
        for zone, outline in zip(places.forbidden, outlines, strict=True)
    ]
    return records


def plan_files(plan: Plan) -> dict[str, bytes]:
    """Build every export of a plan, by file name.

    The files are ``plan.geojson``, ``officer_N.gpx`` (``unit_N.gpx`` for pairs, who walk
    together; ``N`` zero-padded from ten units on, so that a file list shows them in order),
    ``schedule.csv``, ``kpis.json``, ``neighbourhoods.csv`` (exposure per area, when the plan
    has areas), ``routes.json`` (every leg, for re-planning) and ``briefing.html`` (to print).
    """
    wgs84 = plan.graph.segments.geometry.to_crs("EPSG:4326")
    files = {"plan.geojson": to_geojson(plan, wgs84).encode()}
    width = len(str(max((route.officer for route in plan.routes), default=1)))
    for route in plan.routes:  # officer_01.gpx .. officer_12.gpx: listed by name, in order
        name = f"{plan.unit_word}_{route.officer:0{width}d}.gpx"
        files[name] = to_gpx(plan, route, wgs84).encode()
    # with a byte-order mark, so that a spreadsheet opened by double-click reads ä and é
    schedule = plan.to_frame().to_csv(index=False, lineterminator="\n")
    files["schedule.csv"] = schedule.encode("utf-8-sig")
    # which variant or re-plan, as its files say, and what the planner warned of
    kpis = {"label": plan.label or None, "warnings": plan_warnings(plan), **plan.kpis}
    files["kpis.json"] = (json.dumps(kpis, indent=2, ensure_ascii=False) + "\n").encode()
    if plan.kpis["neighbourhoods"]["areas"]:
        areas = pd.DataFrame(plan.kpis["neighbourhoods"]["areas"])
        files["neighbourhoods.csv"] = areas.to_csv(index=False, lineterminator="\n").encode(
            "utf-8-sig"
        )
    files["routes.json"] = (json.dumps(routes_record(plan), indent=1) + "\n").encode()

    files["briefing.html"] = briefing_html(plan, wgs84).encode()
    return files


def routes_record(plan: Plan) -> dict:
    """Every leg of every route, exactly: what ``patrol-planner replan`` starts from."""
    return {
        "scenario": plan.scenario.name,
        "label": plan.label,
        "replanned_s": plan.replanned_s,
        "followed_sha256": plan.followed_sha256,
        "shift_start": plan.shift_start.isoformat(timespec="seconds"),
        "shift_end": plan.shift_end.isoformat(timespec="seconds"),
        "timezone": str(plan.shift_start.tzinfo),
        "rules": walked_rules(plan.scenario),
        "routes": [
            {"officer": route.officer, "legs": [_leg_record(leg) for leg in route.legs]}
            for route in plan.routes
        ],
    }


def _leg_record(leg: Leg) -> dict:
    return {
        "kind": leg.kind,
        "start_s": round(leg.start_s, 3),
        "end_s": round(leg.end_s, 3),
        "from_node": leg.from_node,
        "to_node": leg.to_node,
        "segments": list(leg.segments),
        "reversed": list(leg.reversed),
        "distance_m": round(leg.distance_m, 3),
        "presence": round(leg.presence, 9),
        "hotspot": leg.hotspot,
    }


def write_files(out_dir: Path, files: dict[str, bytes], stale: Sequence[str] = ()) -> list[Path]:
    """Write ``files`` (name -> content) into ``out_dir``, all or nothing.

    Every file is written into a temporary folder inside ``out_dir`` first and moved in place
    only when all are written and no folder stands where one goes; files matching the globs
    ``stale`` are removed just before. When a move fails, the moves made are undone and the
    folders the write made are removed. A name may hold subfolders (``variant_2/schedule.csv``).
    Returns the paths written.

    Raises
    ------
    OSError
        With ``filename`` the file in ``out_dir`` (never its temporary copy), or ``out_dir``.
    """
    out_dir = Path(out_dir)
    # the folders this write may create: out_dir, folders above it, subfolders of the names
    folders = {out_dir, *out_dir.parents, *(d for n in files for d in (out_dir / n).parents)}
    made = {d for d in folders if not d.exists()}
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=out_dir, prefix=".writing-") as tmp:
            for name, data in files.items():  # a name may hold a subfolder: variant_2/...
                (Path(tmp) / name).parent.mkdir(parents=True, exist_ok=True)
                (Path(tmp) / name).write_bytes(data)
            for name in files:
                if (out_dir / name).is_dir():
                    raise IsADirectoryError(
                        errno.EISDIR, "a folder is in the way", str(out_dir / name)
                    )
                for parent in Path(name).parents:
                    if (out_dir / parent).exists() and not (out_dir / parent).is_dir():
                        raise NotADirectoryError(
                            errno.ENOTDIR, "a file is in the way", str(out_dir / parent)
                        )
            _move_in(out_dir, Path(tmp), list(files), stale)
    except BaseException as exc:  # an error, or Ctrl-C: no folder left that it made
        for folder in sorted(made, key=lambda d: len(d.parts), reverse=True):  # deepest first
            with contextlib.suppress(OSError):  # only those it made and left empty again
                folder.rmdir()
        if not isinstance(exc, OSError):
            raise
        parts = Path(exc.filename).parts if exc.filename else ()
        inside = [i for i, part in enumerate(parts) if part.startswith(".writing-")]
        if inside:  # name the file in out_dir (or out_dir for the temporary folder itself)
            exc.filename = str(out_dir.joinpath(*parts[inside[-1] + 1 :]))
        raise
    return [out_dir / name for name in files]


def _move_in(out_dir: Path, tmp: Path, names: list[str], stale: Sequence[str]) -> None:
    """Move the written ``names`` from ``tmp`` into ``out_dir``, first the ``stale`` files out.

    Files replaced or removed go to ``tmp/.before`` first; when a move fails, every move made
    is undone (also on Ctrl-C), so ``out_dir`` holds the earlier files as they were.
    """
    before = tmp / ".before"
    done: list[tuple[Path, Path]] = []  # (from, to) of each move made
    try:
        olds = {old for pattern in stale for old in out_dir.glob(pattern)}
        olds |= {out_dir / name for name in names if (out_dir / name).exists()}
        for old in sorted(olds):
            keep = before / old.relative_to(out_dir)
            keep.parent.mkdir(parents=True, exist_ok=True)
            old.replace(keep)
            done.append((old, keep))
        for name in names:
            (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).replace(out_dir / name)
            done.append((tmp / name, out_dir / name))
    except BaseException:  # an error, or Ctrl-C: the earlier files must not go with tmp
        for source, target in reversed(done):
            with contextlib.suppress(OSError):  # undo what can be undone
                target.replace(source)
        raise


def write_table(table: pd.DataFrame, path: Path, where: str) -> Path:
    """Write ``table`` as CSV to ``path``, whole or not at all (see :func:`write_files`).

    Raises
    ------
    ExportError
        If the file cannot be written; ``where`` (an option) names what to change.
    """
    path = Path(path)
    try:
        write_files(path.parent, {path.name: table.to_csv(index=False).encode()})
    except OSError as exc:
        msg = f"{where} {path}: cannot write the table ({exc.strerror or exc}); choose another path"
        raise ExportError(msg) from None
    return path


def check_out_dir(out_dir: Path, what: str = "the plan files", where: str = OUT_OPTIONS) -> None:
    """Refuse, before any planning, an output folder that cannot be made or written.

    ``what`` goes there and ``where`` says where to choose another folder (both for messages).

    Raises
    ------
    ExportError
        If ``out_dir`` or a folder above it is a file, or no file can be written in the nearest
        existing folder.
    """
    out_dir = Path(out_dir)
    here = out_dir
    fix = f"choose another folder ({where})"
    try:
        while not here.exists() and here.parent != here:
            here = here.parent
    except OSError as exc:  # e.g. a name too long for the file system
        msg = f"{out_dir}: cannot be a folder here ({exc.strerror or exc}); {fix}"
        raise ExportError(msg) from None
    if not here.is_dir():
        why = (
            "not a folder" if here == out_dir else f"so the output folder {out_dir} cannot go in it"
        )
        msg = f"{here}: is a file, {why}; {fix}"
        raise ExportError(msg)
    try:  # a real write: permission bits do not tell (root, read-only or virtual file systems)
        with tempfile.TemporaryFile(dir=here):
            pass
    except OSError as exc:
        shown = f"{Path.cwd()} (the current folder)" if here == Path() else here
        msg = f"{shown}: cannot write {what} here ({exc.strerror or exc}); {fix}"
        raise ExportError(msg) from None


def check_plan_owner(out_dir: Path, scenario: str, where: str = OUT_OPTIONS) -> None:
    """Refuse, before any planning, a folder holding another scenario's plan or others' files.

    A copied scenario file keeps its ``output_dir``; writing there would replace the other
    scenario's plan (and its re-plans would then refuse the folder). The plan's ``routes.json``
    names its scenario; the folder and its ``variant_*`` folders are looked at.

    Raises
    ------
    ExportError
        If a plan there was made from a scenario of another name, or files of a plan's names
        lie there without a plan (:func:`_refuse_foreign_files`).
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return
    records = {f: _routes_data(f / "routes.json") for f in [out_dir, *variant_folders(out_dir)]}
    for folder, data in records.items():
        owner = None if data is None else data.get("scenario")
        if isinstance(owner, str) and owner != scenario:
            msg = (
                f"{out_dir}: holds the plan of scenario '{owner}' (routes.json in {folder}), and "
                f"this scenario is '{scenario}'; give it a folder of its own ({where}), or "
                "delete that plan's files to replace it"
            )
            raise ExportError(msg)
    for folder, data in records.items():
        if not _is_plan(data):
            _refuse_foreign_files(folder, where)


#: Names of the files a plan writes (see :func:`plan_files`).
PLAN_FILES = re.compile(
    r"plan\.geojson|(officer|unit)_0*[1-9]\d*\.gpx|schedule\.csv|kpis\.json|neighbourhoods\.csv"
    r"|routes\.json|briefing\.html",
    re.IGNORECASE,  # Schedule.csv is schedule.csv on most laptops' file systems
)
#: Files of an earlier plan that a new one may not write again (fewer units, no areas).
EARLIER_FILES = re.compile(r"(officer|unit)_0*[1-9]\d*\.gpx|neighbourhoods\.csv")


def _earlier_files(folder: Path) -> list[str]:
    """Return the names of the files in ``folder`` an earlier plan wrote that a new one removes.

    Only a plan's own names count (``officer_3.gpx``, ``unit_01.gpx``, ``neighbourhoods.csv``):
    someone's ``officer_smith.gpx`` beside a plan stays.
    """
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if EARLIER_FILES.fullmatch(p.name))


def _routes_data(routes: Path) -> dict | None:
    """Return what a ``routes.json`` holds when it is a JSON object, else None."""
    try:
        data = json.loads(routes.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _is_plan(data: dict | None) -> bool:
    """Whether a ``routes.json``'s ``data`` is a plan's: a scenario's name and routes."""
    return data is not None and isinstance(data.get("scenario"), str) and "routes" in data


def _refuse_foreign_files(folder: Path, where: str) -> None:
    """Refuse a plan's folder holding files of a plan's names, when it holds no plan.

    A plan's files replace those of the plan before; files of the same names without a plan's
    ``routes.json`` beside them (:func:`_is_plan`) are someone's own, and would be lost.
    """
    found = sorted(p.name for p in folder.iterdir() if PLAN_FILES.fullmatch(p.name) and p.is_file())
    if found:
        names = ", ".join(found[:4]) + (f" and {len(found) - 4} more" if len(found) > 4 else "")
        msg = (
            f"{folder}: holds {names}, of the names a plan writes, but no plan of this "
            f"tool (no routes.json of a plan beside them), so writing the plan there would "
            f"replace them; choose another folder ({where}), or move those files away"
        )
        raise ExportError(msg)


def write_plan(
    plan: Plan, out_dir: Path | str | None = None, where: str = OUT_OPTIONS
) -> list[Path]:
    """Write all plan files into ``out_dir``, all or nothing (see :func:`write_files`).

    By default into the scenario's ``output_dir`` (a scenario built in code without one:
    ``out/<name>`` under the working folder).

    Raises
    ------
    TypeError
        If ``plan`` is no :class:`Plan` (a scenario, say).
    ExportError
        If the folder holds another scenario's plan (:func:`check_plan_owner`), or cannot be
        created or written (message names it, and ``where`` to choose another).
    """
    if not isinstance(plan, Plan):
        made = "planner.run(scenario) makes one"
        msg = f"write_plan() takes a Plan ({made}), not a {type(plan).__name__}"
        raise TypeError(msg)
    if out_dir is None:
        out_dir = plan.scenario.output_dir or Path("out") / plan.scenario.name
    return write_plans({"": plan}, Path(out_dir), where)


def write_plans(
    plans: dict[str, Plan], out_dir: Path | str, where: str = OUT_OPTIONS
) -> list[Path]:
    """Write several plans of one scenario, all or nothing, into subfolders of ``out_dir``.

    The name ``""`` is ``out_dir`` itself. A failure leaves none of the plans written;
    ``where`` says where to choose another folder (for messages).

    Raises
    ------
    ExportError
        If the folder holds another scenario's plan (:func:`check_plan_owner`), or a folder
        cannot be created or written (message names it).
    """
    for name in sorted({plan.scenario.name for plan in plans.values()}):
        check_plan_owner(Path(out_dir), name, where)
    files = {
        str(Path(folder) / name): data
        for folder, plan in plans.items()
        for name, data in plan_files(plan).items()
    }
    stale = [
        str(Path(folder) / name)
        for folder in plans
        for name in _earlier_files(Path(out_dir) / folder)
    ]
    try:
        written = write_files(Path(out_dir), files, stale=stale)
    except OSError as exc:
        msg = (
            f"{exc.filename or out_dir}: cannot write the plan files ({exc.strerror or exc}); "
            f"choose another folder ({where})"
        )
        raise ExportError(msg) from None
    _warn_earlier_plans(Path(out_dir), set(plans))
    return written


def _warn_earlier_plans(out_dir: Path, written: set[str]) -> None:
    """Warn of plan files in ``out_dir`` left from an earlier plan.

    They are variant and re-plan folders beside the plans written, re-plan folders inside
    them (re-plans of the plan a folder held before), and the top-level plan files when only
    variants were written.
    """
    earlier = [
        str(Path(folder) / p.name)
        for folder in sorted(written | {""})
        if (out_dir / folder).is_dir()
        for p in sorted((out_dir / folder).iterdir())
        if p.is_dir()
        and (folder or p.name not in written)
        and re.fullmatch(r"replan_\d{4}" if folder else r"variant_\d+|replan_\d{4}", p.name)
        and (p / "routes.json").is_file()
    ]
    folders = len(earlier)
    if "" not in written and (out_dir / "routes.json").is_file():
        earlier.insert(0, "the plan files at the top")
    if earlier:
        verb = "holds" if folders == len(earlier) == 1 else "hold"  # "the plan files" hold
        warn(
            f"{out_dir}: {', '.join(earlier)} {verb} an earlier plan's files, not this plan's; "
            "delete them or plan into another --out",
        )
