"""Command line interface of the planner.

``plan`` writes a shift plan; ``replan`` plans the rest of a shift from where the units are;
``staffing`` compares officer counts (one plan per count, on Dask);
``app`` starts the Streamlit app; ``incidents inspect`` describes an incident file;
``evaluate-risk`` tests the risk model against baselines on months it has not seen.
"""

from __future__ import annotations

import datetime as dt
import enum
import errno
import json
import logging
import os
import re
import socket
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer
from pydantic import ValidationError

from planner.errors import PlannerError, ScenarioError, counted
from planner.scenario import (
    MAX_SEED,
    IncidentSpec,
    Scenario,
    checked_type_categories,
    load_scenario,
    with_overrides,
)
from planner.scenario_patrol import MAX_OFFICERS
from planner.settings import VARIANTS_WITHIN

if TYPE_CHECKING:
    from planner.plan import Plan

# The planning modules (osmnx, geopandas, ...) are imported by the commands that use them, so
# that help and errors in the command line or the scenario come without seconds of imports.

HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    help="Plan where police officers walk and stand during a shift, on OpenStreetMap streets.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings=HELP_OPTIONS,
)


def _print_version(asked: bool) -> None:
    """Print the installed version and stop (the ``--version`` option)."""
    if asked:
        from planner import __version__

        typer.echo(f"patrol-planner {__version__}")
        raise typer.Exit


@app.callback()
def _main_options(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """Options of the program itself, before the command (the help is the app's)."""


DEFAULT_SCENARIO = Path("scenarios/helsinki_default.yaml")


def _path_given(text: str) -> Path:
    """Read a path option, refusing an empty one (it would mean the current folder)."""
    if not str(text).strip():
        msg = "is empty: give a path (. for the current folder)"
        raise typer.BadParameter(msg)
    return Path(text)


# Arguments and options shared by the planning commands (plan, staffing, replan).
ScenarioFile = Annotated[
    Path,
    typer.Argument(
        metavar="SCENARIO_FILE",
        help="Scenario YAML file, or a bundle of it with its files (.zip).",
        show_default=True,
    ),
]
TimeLimit = Annotated[
    float | None,
    typer.Option(
        "--time-limit",
        metavar="SECONDS",
        min=0.1,
        help="Limit per solver: route search seconds (a tenth more to share the stops out "
        "once all are made), CP-SAT work units for posts (overrides solver.time_limit_s); "
        "loading the area and building the problems come on top.",
    ),
]
Seed = Annotated[
    int | None,
    typer.Option(
        "--seed", metavar="N", min=0, max=MAX_SEED, help="Random seed (overrides solver.seed)."
    ),
]
Quiet = Annotated[
    bool,
    typer.Option(
        "--quiet", help="Print the KPI table, warnings and where the files went, not each step."
    ),
]


def _override(
    scenario: Scenario,
    officers: int | None,
    out: Path | None,
    time_limit_s: float | None,
    seed: int | None,
) -> Scenario:
    """Apply the command line's options to ``scenario`` and check them by its rules.

    When the scenario refuses them, the error names the options it refuses on their own (all
    of them when only the combination fails).
    """
    options = {
        "--officers": ("officers", "count", officers),
        "--time-limit": ("solver", "time_limit_s", time_limit_s),
        "--seed": ("solver", "seed", seed),
        "--out": ("output_dir", None, out.resolve() if out is not None else None),
    }
    given = [opt for opt, (_, _, value) in options.items() if value is not None]
    if not given:
        return scenario

    def changes(opts: list[str]) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for opt in opts:
            section, key, value = options[opt]
            if key is None:
                merged[section] = value
            else:
                merged.setdefault(section, {})[key] = value
        return merged

    def named(opts: list[str]) -> str:
        return ("option " if len(opts) == 1 else "options ") + ", ".join(opts)

    try:
        return with_overrides(scenario, changes(given), named(given))
    except ScenarioError:
        refused = [opt for opt in given if not _accepts(scenario, changes([opt]))]
        if not refused or refused == given:
            raise
        with_overrides(scenario, changes(refused), named(refused))
        raise  # pragma: no cover - the options refused alone are refused together


def _load(scenario_file: Path, officers: int | None) -> Scenario:
    """Load the scenario; one its own officer count makes invalid, with ``--officers``'s count.

    A file of 3 officers in pairs is refused alone, but plans with ``--officers 4``. Refused
    with the count too, the error says so when the count changes what is refused.
    """
    try:
        return load_scenario(scenario_file)
    except ScenarioError as refused:
        if officers is None:
            raise
        try:
            return load_scenario(scenario_file, count=officers)
        except ScenarioError as still:
            if str(still) == str(refused):
                raise refused from None
            msg = f"with --officers {officers}: {still}"
            raise ScenarioError(msg) from None


def _accepts(scenario: Scenario, changes: dict[str, Any]) -> bool:
    """Whether ``scenario`` accepts ``changes`` (see :func:`with_overrides`)."""
    try:
        with_overrides(scenario, changes, "")
    except ScenarioError:
        return False
    return True


@app.command()
def plan(
    scenario_file: ScenarioFile = DEFAULT_SCENARIO,
    officers: Annotated[
        int | None,
        typer.Option(
            "--officers",
            metavar="N",
            min=1,
            max=MAX_OFFICERS,
            help="Officers on foot patrol (overrides officers.count).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", metavar="DIR", parser=_path_given, help="Output folder (overrides output_dir)."
        ),
    ] = None,
    time_limit_s: TimeLimit = None,
    seed: Seed = None,
    quiet: Quiet = False,
    variants: Annotated[
        int,
        typer.Option(
            "--variants",
            metavar="K",
            min=1,
            max=20,
            help="Write K distinct plans (variant_1..K) so units do not walk the same loop daily.",
        ),
    ] = 1,
    within: Annotated[
        float | None,
        typer.Option(
            "--within",
            metavar="SHARE",
            min=0.0,
            max=0.5,
            help="With --variants: most presence a variant may lose against the best "
            f"(default {VARIANTS_WITHIN}: within {VARIANTS_WITHIN:.0%}).",
        ),
    ] = None,
) -> None:
    """Plan a shift: posts and patrol routes; write briefing, GPX, CSV, GeoJSON, KPIs, routes."""
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO, format="  %(message)s", stream=sys.stderr
    )
    for noisy in ("pyrosm", "pyrosm.pyrosm"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if within is not None and variants == 1:
        msg = "--within applies to several plans; add --variants K (K >= 2) or drop --within"
        raise PlannerError(msg)
    scenario = _override(_load(scenario_file, officers), officers, out, time_limit_s, seed)
    assert scenario.output_dir is not None
    from planner.evaluate import kpi_table
    from planner.export import check_out_dir, check_plan_owner, write_plan
    from planner.followed import replans_following
    from planner.pipeline import run
    from planner.stations import with_under_way_note

    check_out_dir(scenario.output_dir)
    check_plan_owner(scenario.output_dir, scenario.name)

    def progress(step: str, number: int, total: int) -> None:
        if not quiet:
            typer.echo(f"[{number + 1}/{total}] {step}", err=True)

    result = with_under_way_note(run(scenario, progress=progress))
    if variants > 1:
        share = VARIANTS_WITHIN if within is None else within
        _write_variants(result, variants, share, scenario.output_dir)
        return
    following = replans_following(scenario.output_dir / "routes.json")  # of the plan replaced
    written = write_plan(result, scenario.output_dir)
    typer.echo(kpi_table(result))
    typer.echo(f"\nwrote {len(written)} files to {scenario.output_dir}")
    if following:
        names = ", ".join(path.parent.name for path, _ in following)
        typer.echo(
            f"note: the plan replaced had {counted(len(following), 're-plan')} ({names}); they "
            "stay, but follow the plan replaced: re-plan again from this one",
            err=True,
        )


@app.command()
def staffing(
    scenario_file: ScenarioFile = DEFAULT_SCENARIO,
    officers: Annotated[
        str,
        typer.Option(
            "--officers", metavar="N,N,...", help="Officer counts to compare, e.g. 2,4,6,8."
        ),
    ] = "2,4,6,8",
    time_limit_s: TimeLimit = None,
    seed: Seed = None,
    csv: Annotated[
        Path | None,
        typer.Option(
            "--csv",
            metavar="FILE",
            parser=_path_given,
            help="Also write the table to this CSV file.",
        ),
    ] = None,
) -> None:
    """Compare staffing levels: the shift planned for each officer count, in parallel (Dask)."""
    counts = _counts(officers)
    scenario = _override(_load(scenario_file, counts[0]), None, None, time_limit_s, seed)
    from planner.export import check_out_dir, write_table
    from planner.staffing import (
        check_counts,
        compare_staffing,
        local_workers,
        officers_said,
        staffing_summary,
        warned_counts,
    )

    if csv is not None:
        if csv.is_dir():
            msg = f"--csv {csv}: is a folder; give the path of the CSV file to write"
            raise PlannerError(msg)
        check_out_dir(csv.parent, "the CSV table", "--csv")
    check_counts(scenario, counts)
    from planner.pipeline import load_area

    typer.echo("loading the street graph (once: the workers are sent it)", err=True)
    area = load_area(scenario)
    workers = local_workers(len(counts))
    processes = "1 worker process" if workers == 1 else f"{workers} worker processes"
    typer.echo(f"planning {counted(len(counts), 'officer count')} on {processes}", err=True)
    table, runs = compare_staffing(scenario, counts, area=area)
    for _, said_for, message in warned_counts({("", r.officers): r.warnings for r in runs}):
        typer.echo(
            f"warning: {officers_said(said_for)}: {message}", err=True
        )  # once, with the counts it came from
    typer.echo(staffing_summary(table))
    if csv is not None:
        write_table(table, csv, "--csv")
        typer.echo(f"\nwrote {csv}")


@app.command()
def bundle(
    scenario_file: Annotated[
        Path, typer.Argument(metavar="SCENARIO_FILE", help="Scenario YAML file to bundle.")
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="FILE",
            parser=_path_given,
            help="The zip to write (default: <name>.zip in the current folder).",
        ),
    ] = None,
) -> None:
    """Zip a scenario with the files it reads, to plan on another machine or open in the app."""
    from planner.bundle import SUFFIX, pack, read_files
    from planner.export import check_out_dir, write_files

    if scenario_file.suffix.lower() == SUFFIX:
        msg = (
            f"{scenario_file}: already a bundle; plan it as it is (patrol-planner plan "
            f"{scenario_file}), or bundle the YAML it holds"
        )
        raise PlannerError(msg)
    scenario = load_scenario(scenario_file)
    path = out if out is not None else Path(f"{scenario.name}{SUFFIX}")
    if path.suffix.lower() != SUFFIX or path.is_dir():
        msg = f"--out {path}: give the path of a .zip file to write (e.g. {scenario.name}.zip)"
        raise PlannerError(msg)
    check_out_dir(path.parent, "the bundle", "--out")
    files = len(set(read_files(scenario)))
    data = pack(scenario, path.name)
    write_files(path.parent, {path.name: data})
    held = f"and {counted(files, 'file')} it reads" if files else "alone (it reads no file)"
    typer.echo(
        f"wrote {path}: {scenario.name}.yaml {held}, {len(data) / 1e6:.1f} MB; "
        f"plan it with: patrol-planner plan {path}"
    )


def _counts(text: str) -> list[int]:
    """Officer counts from ``2,4,6`` (a count given twice is planned once, and said so)."""
    try:
        given = [int(part) for part in text.split(",")]
    except ValueError:
        given = []
    counts = sorted(set(given))
    if twice := sorted({n for n in given if given.count(n) > 1}):
        typer.echo(
            f"note: --officers {text!r} gives {', '.join(map(str, twice))} more than once: "
            "each count is planned once",
            err=True,
        )
    if not counts:
        msg = (
            f"--officers {text!r}: give whole numbers of officers separated by commas, e.g. 2,4,6,8"
        )
        raise PlannerError(msg)
    if wrong := [n for n in counts if not 1 <= n <= MAX_OFFICERS]:
        msg = (
            f"--officers {text!r}: each count must be 1 to {MAX_OFFICERS} officers "
            f"(got {', '.join(map(str, wrong))})"
        )
        raise PlannerError(msg)
    return counts


def _write_variants(best: Plan, count: int, within: float, out: Path) -> None:
    """Plan, write (all or none) and compare ``count`` variants (``variant_1``: the plan)."""
    from planner.evaluate import kpi_table
    from planner.export import write_plans
    from planner.variants import below_share, overlap, variants

    plans = variants(best, count, within)
    top = plans[0].kpis["routes"]["presence_min"]
    write_plans({f"variant_{k}": plan for k, plan in enumerate(plans, start=1)}, out)
    typer.echo(kpi_table(best))
    typer.echo(f"\n{count} variants (each should keep {100 * (1 - within):.0f} % of variant 1's):")
    typer.echo(
        "variant  presence  of v1    share of its stops (hot spot and hour) / hot spots / "
        "streets also in variant ..."
    )
    for k, plan in enumerate(plans, start=1):
        presence = plan.kpis["routes"]["presence_min"]
        shares = [
            f"{j}: {o['stops']:.0%} / {o['hot spots']:.0%} / {o['streets']:.0%}"
            for j, other in enumerate(plans, start=1)
            if j != k
            for o in [overlap(plan, other)]
        ]
        flag = "  (below the share)" if below_share(presence, top, within) else ""
        typer.echo(f"{k:>7}  {presence:8.3f}  {presence / top:7.1%}  {', '.join(shares)}{flag}")
    typer.echo(f"\nwrote variant_1 .. variant_{count} to {out}")


@app.command()
def replan(
    scenario_file: Annotated[
        Path,
        typer.Argument(
            metavar="SCENARIO_FILE",
            help="Scenario YAML (or .zip bundle) the plan was made from.",
        ),
    ],
    at: Annotated[
        str,
        typer.Option(
            "--at",
            metavar="HH:MM",
            help=(
                "Local clock time of the re-plan; with the clock's name for a time the clocks "
                "show twice (e.g. '01:30 GMT', the second 01:30 as they go back)."
            ),
        ),
    ],
    plan_dir: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            metavar="PATH",
            help=(
                "Folder of the plan being followed (default: output_dir): its plan, or the "
                "newest re-plan of it made before --at; or a routes.json, followed as it is."
            ),
        ),
    ] = None,
    position: Annotated[
        list[str] | None,
        typer.Option(
            "--position",
            metavar="UNIT=LAT,LON[@HH:MM]",
            help=(
                "Where a unit sent elsewhere (a call for service) is now, and after @ since when "
                "it has been away from the plan (e.g. 2=60.1702,24.9411@21:10); repeatable."
            ),
        ),
    ] = None,
    busy: Annotated[
        list[str] | None,
        typer.Option(
            "--busy",
            metavar="UNIT=HH:MM",
            help=(
                "Until when a unit's call keeps it busy at its --position, after --at and "
                "before the shift's end (e.g. 2=03:00): it patrols from there only then; "
                "repeatable."
            ),
        ),
    ] = None,
    gone: Annotated[
        list[int] | None,
        typer.Option(
            "--gone",
            metavar="UNIT",
            help=(
                "A unit gone for the rest of the shift (e.g. 5): its route ends after what it "
                "finished by --at (or at its --position), with no walk back; repeatable."
            ),
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            parser=_path_given,
            help="Output folder (default: replan_HHMM in the folder of the plan followed).",
        ),
    ] = None,
    time_limit_s: TimeLimit = None,
    seed: Seed = None,
    quiet: Quiet = False,
) -> None:
    """Re-plan the rest of a shift from each unit's position, keeping the stops made."""
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO, format="  %(message)s", stream=sys.stderr
    )
    for noisy in ("pyrosm", "pyrosm.pyrosm"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    scenario = _override(load_scenario(scenario_file), None, None, time_limit_s, seed)
    folder = plan_dir or scenario.output_dir
    assert folder is not None
    if folder.is_file() and folder.suffix != ".json":
        msg = f"--plan {folder}: a file, not a plan; give the plan's folder or its routes.json"
        raise PlannerError(msg)
    routes_file = folder if folder.suffix == ".json" else folder / "routes.json"
    start = _shift_start(routes_file)  # the same shift for every re-plan of the plan
    clock = _clock(at, "--at", start)
    positions, away_since = _positions(position or [], start)
    busy_until = _busy(busy or [], positions, start)
    from planner.evaluate import kpi_table, replan_change, with_followed
    from planner.export import check_out_dir, check_plan_owner, write_plan
    from planner.followed import check_not_replaced
    from planner.rest_of_shift import check_followed
    from planner.rest_of_shift import replan as replan_shift

    if folder.suffix != ".json":  # a folder: its newest re-plan before --at keeps its calls
        routes_file = _followed_in(folder, clock)
    target = out or _replan_folder(routes_file, clock, start)
    if routes_file.is_file():  # else the re-plan names the missing plan
        # before the folder it would write to, and before the street graph loads
        check_followed(scenario, routes_file, positions, sorted(set(gone or [])))
        check_out_dir(target, where="--out")
        check_plan_owner(target, scenario.name, "--out")
        check_not_replaced(target, "--out", routes_file)
    result = replan_shift(
        scenario,
        routes_file,
        clock,
        positions,
        away_since=away_since,
        busy_until=busy_until,
        gone=sorted(set(gone or [])),
    )
    followed = _plan_kpis(routes_file.parent / "kpis.json")
    if followed is not None:  # kpis.json keeps what the re-plan is compared with
        result = with_followed(result, followed)
    written = write_plan(result, target, "--out")
    typer.echo(kpi_table(result))
    if followed is not None:
        typer.echo("\n" + replan_change(followed, result.kpis))
    typer.echo(f"\nwrote {len(written)} files to {target}")


def _followed_in(folder: Path, clock: dt.time) -> Path:
    """Return the routes a re-plan at ``clock`` follows in a plan's folder, and say which.

    That is the newest re-plan made before ``clock``, else the plan's own; variants beside it
    are named, with how to follow one.
    """
    from planner.followed import newest_replan, planned_variants

    routes_file = folder / "routes.json"
    variants = planned_variants(folder)
    if variants and routes_file.is_file():
        names = ", ".join(v.name for v in variants)
        top = routes_file.stat().st_mtime
        which = (
            ", left from an earlier plan"
            if all((v / "routes.json").stat().st_mtime < top for v in variants)
            else ", newer than the plan at the top, which may be left from an earlier plan"
        )
        typer.echo(
            f"{folder} holds variants too ({names}{which}): following the plan at the top; "
            f"to follow a variant, give --plan {variants[0]}",
            err=True,
        )
    routes_file = newest_replan(routes_file, clock)
    if routes_file.parent != folder:
        typer.echo(
            f"following the re-plan in {routes_file.parent} (to follow another, give "
            "--plan its routes.json)",
            err=True,
        )
    return routes_file


def _plan_kpis(path: Path) -> dict[str, Any] | None:
    """Read the KPIs written beside a plan's routes; None when there are none to compare."""
    from planner.evaluate import REPLAN_FIGURES

    try:
        kpis = json.loads(path.read_text(encoding="utf-8"))
        routes = kpis["routes"]
        complete = all(isinstance(routes.get(key), int | float) for _, key, _ in REPLAN_FIGURES)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return kpis if complete else None


def _clock(text: str, option: str, start: dt.datetime | None) -> dt.time:
    """Parse ``HH:MM``, or ``HH:MM ZONE`` (``01:30 GMT``) for a time the clocks show twice.

    With the followed plan's ``start``, the clock's name picks the pass (:func:`chosen_pass`);
    without it (no plan to read), the first.
    """
    from planner.clock import chosen_pass

    clock, _, zone = text.strip().partition(" ")
    try:
        if not re.fullmatch(r"\d{1,2}:\d{2}", clock):
            raise ValueError(clock)
        time = dt.datetime.strptime(clock, "%H:%M").time()
    except ValueError:
        msg = (
            f"{option} {text!r}: give a local clock time as HH:MM, e.g. 21:30 (with the clock's "
            "name, e.g. '01:30 GMT', for a time the clocks show twice)"
        )
        raise PlannerError(msg) from None
    if start is None:
        return time
    return chosen_pass(start, time, zone.strip() or None, f"{option} {text!r}")


def _shift_start(routes_file: Path) -> dt.datetime | None:
    """Return when the shift of a plan's routes began (local), or None if they cannot be read."""
    from planner.followed import read_routes

    try:
        return read_routes(routes_file).local_start
    except ScenarioError:
        return None


def _replan_folder(routes_file: Path, clock: dt.time, start: dt.datetime | None) -> Path:
    """``replan_HHMM`` beside the routes followed; the clock's name follows a time seen twice."""
    from planner.clock import passes

    name = f"replan_{clock:%H%M}"
    if start is not None and len(moments := passes(start, clock)) > 1:
        name += f"_{moments[clock.fold].tzname()}"
    return routes_file.parent / name


def _positions(
    texts: list[str], start: dt.datetime | None
) -> tuple[dict[int, tuple[float, float]], dict[int, dt.time]]:
    """Parse the ``--position`` options (one per unit): positions, and since when units left."""
    positions: dict[int, tuple[float, float]] = {}
    away_since: dict[int, dt.time] = {}
    for text in texts:
        unit, where, since = _position(text, start)
        if unit in positions:
            msg = f"--position: unit {unit} is given twice; give one position per unit"
            raise PlannerError(msg)
        positions[unit] = where
        if since is not None:
            away_since[unit] = since
    return positions, away_since


def _busy(
    texts: list[str], positions: dict[int, tuple[float, float]], start: dt.datetime | None
) -> dict[int, dt.time]:
    """Parse the ``--busy`` options (one per unit with a ``--position``): busy until when."""
    busy: dict[int, dt.time] = {}
    for text in texts:
        unit, _, until = text.partition("=")
        try:
            number = int(unit)
        except ValueError:
            msg = f"--busy {text!r}: give UNIT=HH:MM, until when the unit is busy, e.g. 2=03:00"
            raise PlannerError(msg) from None
        if number in busy:
            msg = f"--busy: unit {number} is given twice; give one time per unit"
            raise PlannerError(msg)
        if number not in positions:
            msg = (
                f"--busy {text}: give where unit {number}'s call is too, with --position "
                f"{number}=LAT,LON"
            )
            raise PlannerError(msg)
        busy[number] = _clock(until, f"--busy {text}: the time after =", start)
    return busy


def _position(
    text: str, start: dt.datetime | None
) -> tuple[int, tuple[float, float], dt.time | None]:
    where, at, since = text.partition("@")
    try:
        unit, point = where.split("=")
        lat, lon = (float(v) for v in point.split(","))
        number = int(unit)
    except ValueError:
        msg = (
            f"--position {text!r}: give UNIT=LAT,LON in degrees, e.g. 2=60.1702,24.9411, and "
            "optionally @HH:MM, since when the unit has been away (e.g. @21:10)"
        )
        raise PlannerError(msg) from None
    return (
        number,
        (lat, lon),
        (_clock(since, f"--position {text}: the time after @", start) if at else None),
    )


@app.command("app")
def start_app(
    port: Annotated[
        int, typer.Option("--port", metavar="PORT", min=1, max=65535, help="Port on 127.0.0.1.")
    ] = 8501,
) -> None:
    """Start the Streamlit app on http://127.0.0.1:PORT (offline: no tiles, no usage statistics)."""
    script = Path(__file__).resolve().parent.parent / "ui" / "app.py"
    if not script.is_file():
        msg = f"{script}: the app is not there; run from a source checkout (pip install -e .)"
        raise PlannerError(msg)
    check_port_free(port)
    command = [sys.executable, "-m", "streamlit", "run", str(script), *streamlit_flags(port)]
    typer.echo(f"patrol-planner app on http://127.0.0.1:{port}  (Ctrl+C stops it)", err=True)
    # Replace this process with Streamlit so that signals reach the server itself.
    os.execve(sys.executable, command, os.environ | {"PYTHONWARNINGS": "ignore"})


def check_port_free(port: int) -> None:
    """Refuse a port on 127.0.0.1 that another program holds, or one this user may not open.

    Streamlit would print its address first and then exit on its own log line; the address
    would lead to whatever else answers there.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Streamlit's server does
        try:
            probe.bind(("127.0.0.1", port))
        except PermissionError:
            msg = f"--port {port}: this user may not open ports below 1024; choose 8501 or higher"
            raise PlannerError(msg) from None
        except OSError as exc:
            msg = (
                f"--port {port}: another program is using port {port} on 127.0.0.1 (an app "
                "already running?); open it in the browser, stop it, or choose another --port"
                if exc.errno == errno.EADDRINUSE
                else f"--port {port}: cannot open it on 127.0.0.1 ({exc.strerror or exc}); "
                "choose another --port"
            )
            raise PlannerError(msg) from None


def streamlit_flags(port: int) -> list[str]:
    """Streamlit settings the app needs: loopback only, no usage statistics, local map style."""
    return [
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.enableStaticServing",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "minimal",
        # the app's widgets set through the session state get that value as their default too,
        # on purpose (ui.bound.as_default: a widget drawn late shows its default): no warning
        "--global.disableWidgetStateDuplicationWarning",
        "true",
    ]


incidents_app = typer.Typer(
    help="Incident files: check a new export before planning with it.",
    no_args_is_help=True,
    context_settings=HELP_OPTIONS,
)
app.add_typer(incidents_app, name="incidents")


# Column mapping options shared by the commands that read an incident file.
SchemaOpt = Annotated[
    str,
    typer.Option(
        "--schema",
        metavar="NAME",
        help="auto (from the header), uk_police, sf, boston, chicago, atlanta_cobra, generic.",
    ),
]
XColOpt = Annotated[
    str | None,
    typer.Option("--x-col", metavar="COLUMN", help="generic: longitude or easting column."),
]
YColOpt = Annotated[
    str | None,
    typer.Option("--y-col", metavar="COLUMN", help="generic: latitude or northing column."),
]
CrsOpt = Annotated[
    str, typer.Option("--crs", metavar="CRS", help="generic: CRS of x / y, e.g. EPSG:27700.")
]
TimeColOpt = Annotated[
    str | None, typer.Option("--time-col", metavar="COLUMN", help="generic: date / time column.")
]
ClockColOpt = Annotated[
    str | None,
    typer.Option(
        "--clock-col",
        metavar="COLUMN",
        help="generic: time-of-day column, when apart from the dates.",
    ),
]
TypeColOpt = Annotated[
    str | None, typer.Option("--type-col", metavar="COLUMN", help="generic: offence type column.")
]
IdColOpt = Annotated[
    str | None,
    typer.Option(
        "--id-col",
        metavar="COLUMN",
        help="generic: incident number column; its repeats are one incident.",
    ),
]
TypeCategoryOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--type-category",
        metavar="TYPE=CATEGORY",
        help="Put an offence type in a harm category, e.g. 'Vol simple=other theft' (repeatable).",
    ),
]


def _incident_spec(**fields: object) -> IncidentSpec:
    """Return the incident file the options describe; their problems raise one error."""
    try:
        return IncidentSpec(**fields)
    except ValidationError as exc:  # named by their options: --schema, --date-order, ...
        lines = [
            f"--{str(err['loc'][0]).replace('_', '-')}: "
            + str(err["msg"]).removeprefix("Value error, ")
            for err in exc.errors()
        ]
        raise PlannerError("; ".join(lines)) from None


def _incident_specs(paths: list[Path], **mapping: object) -> list[IncidentSpec]:
    """Return an incident file entry per path, each with the options' mapping."""
    return [_incident_spec(path=path, **mapping) for path in paths]


def _files(paths: list[Path], option: str) -> list[Path]:
    """Return the incident files given, a quoted pattern (``'police/*/*.csv'``) by its files.

    A shell expands patterns itself; one it passes on (quoted, or Windows' cmd) is expanded
    as a scenario's is.
    """
    from planner.scenario import is_pattern, matched_files

    def pattern(path: Path) -> bool:
        return not path.is_file() and is_pattern(path)

    return [
        found
        for path in paths
        for found in (
            matched_files(path, Path.cwd(), "command line", option) if pattern(path) else [path]
        )
    ]


def _type_categories(pairs: list[str] | None) -> dict[str, str]:
    """Read ``--type-category TYPE=CATEGORY`` options (the last ``=`` splits)."""
    chosen: dict[str, str] = {}
    for pair in pairs or []:
        offence, sep, category = pair.rpartition("=")
        if not sep or not offence.strip() or not category.strip():
            msg = (
                f"--type-category {pair!r}: write the offence type as the file has it, '=' and "
                "a harm category, e.g. --type-category 'Vol simple=other theft'"
            )
            raise PlannerError(msg)
        if chosen.setdefault(offence.strip(), category) != category:
            msg = (
                f"--type-category names '{offence.strip()}' twice, in '{chosen[offence.strip()]}' "
                f"and in '{category}'; keep one"
            )
            raise PlannerError(msg)
    return checked_type_categories(chosen, "--type-category")


class DateOrder(enum.StrEnum):
    """How to read dates such as 03/04/2020 (``IncidentSpec.date_order``)."""

    auto = "auto"
    day_first = "day_first"
    month_first = "month_first"


DateOrderOpt = Annotated[
    DateOrder,
    typer.Option("--date-order", help="generic: how to read dates such as 03/04/2020."),
]


@incidents_app.command("inspect")
def inspect_incident_file(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...",
            help="Incident files: CSV, GeoJSON or GeoPackage (each described); or a scenario "
            "(YAML or .zip): its incident files as it maps them, near its area's streets.",
        ),
    ],
    schema: SchemaOpt = "auto",
    x_col: XColOpt = None,
    y_col: YColOpt = None,
    crs: CrsOpt = "EPSG:4326",
    time_col: TimeColOpt = None,
    clock_col: ClockColOpt = None,
    type_col: TypeColOpt = None,
    id_col: IdColOpt = None,
    date_order: DateOrderOpt = DateOrder.auto,
    type_category: TypeCategoryOpt = None,
    top: Annotated[
        int, typer.Option("--top", metavar="N", min=1, help="Offence types to list.")
    ] = 15,
    area: Annotated[
        Path | None,
        typer.Option(
            "--area",
            metavar="OSM_FILE",
            help="OpenStreetMap extract: count the incidents near its streets.",
        ),
    ] = None,
) -> None:
    """Show an incident file's schema, dates, time-of-day share, top types and dropped rows.

    Given a scenario (YAML or bundle) in place of the files, each of its incident entries is
    shown as the scenario maps it, and counted near the streets of its area.
    """
    from planner.incidents import check_distinct_files
    from planner.inspection import files_total, inspect_incidents, near_streets_line

    graph, where = None, area.name if area is not None else ""
    harm: dict[str, Any] = {}
    start = None  # a scenario's shift: incidents dated after it are left out too
    if len(files) == 1 and files[0].suffix.lower() in (".yaml", ".yml", ".zip"):
        given = {
            "--schema": schema != "auto", "--x-col": x_col, "--y-col": y_col,
            "--crs": crs != "EPSG:4326", "--time-col": time_col, "--clock-col": clock_col,
            "--type-col": type_col, "--id-col": id_col, "--date-order": date_order != "auto",
            "--type-category": type_category, "--area": area,
        }  # fmt: skip
        specs, graph, harm, start = _scenario_incidents(
            files[0], [k for k, v in given.items() if v]
        )
        where = "the scenario's area"
    else:
        if area is not None:
            from planner.graph import load_street_graph
            from planner.scenario import AreaSpec

            graph = load_street_graph(AreaSpec(source="file", path=area))
        specs = _incident_specs(
            _files(files, "FILE"), schema=schema, x_col=x_col, y_col=y_col, crs=crs,
            time_col=time_col, clock_col=clock_col, type_col=type_col, id_col=id_col,
            date_order=date_order.value, type_categories=_type_categories(type_category),
        )  # fmt: skip
    check_distinct_files([Path(spec.path) for spec in specs])  # as a plan refuses a copy
    seen = []
    for spec in specs:
        seen.append(inspect_incidents(spec, **harm))
        typer.echo(("\n" if len(seen) > 1 else "") + seen[-1].summary(top=top))
        if graph is not None:
            typer.echo(near_streets_line(spec, graph, where, shift_start=start, **harm))
    if len(seen) > 1:
        typer.echo("\n" + files_total(seen))


def _scenario_incidents(
    path: Path, options: list[str]
) -> tuple[list[IncidentSpec], Any, dict[str, Any], dt.datetime]:
    """Return a scenario's incident entries, its area's street graph, harm settings and start.

    The harm settings (``harm_overrides``, ``exclude``) are as the plan reads the files with.
    ``options`` are the mapping options given, which a scenario's entries make idle: refused.
    """
    if options:
        msg = (
            f"{path}: a scenario, whose incident entries give each file's mapping and whose area "
            f"gives the streets; drop {', '.join(options)}, or give the incident files instead "
            "of the scenario"
        )
        raise PlannerError(msg)
    scenario = load_scenario(path)
    if not scenario.incidents:
        msg = (
            f"{path}: the scenario has no incident files (incidents:), so its risk comes from "
            "the risk terrain; give an incident export to inspect it"
        )
        raise PlannerError(msg)
    from planner.graph import load_street_graph

    risk = scenario.risk
    harm = {
        "harm_overrides": risk.harm_weights_days,
        "exclude": None if risk.harm_exclude is None else set(risk.harm_exclude),
    }
    from planner.stations import shift_window

    graph = load_street_graph(scenario.area)
    return list(scenario.incidents), graph, harm, shift_window(scenario, graph)[0]


@app.command("evaluate-risk")
def evaluate_risk(
    area: Annotated[
        Path,
        typer.Option("--area", metavar="OSM_FILE", help="OpenStreetMap extract (.osm.pbf / .osm)."),
    ],
    incidents: Annotated[
        list[Path],
        typer.Option(
            "--incidents",
            metavar="FILE",
            help="Incident file; repeat for monthly exports (read as one, each incident once).",
        ),
    ],
    cut: Annotated[
        str, typer.Option("--cut", metavar="YYYY-MM", help="First test month, YYYY-MM.")
    ],
    test_months: Annotated[
        int,
        typer.Option(
            "--test-months", metavar="N", min=1, max=36, help="Months after the cut to test on."
        ),
    ] = 3,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            metavar="DIR",
            parser=_path_given,
            help="Folder for evaluation.csv and the plot.",
        ),
    ] = Path("out/evaluation"),
    schema: SchemaOpt = "auto",
    x_col: XColOpt = None,
    y_col: YColOpt = None,
    crs: CrsOpt = "EPSG:4326",
    time_col: TimeColOpt = None,
    clock_col: ClockColOpt = None,
    type_col: TypeColOpt = None,
    id_col: IdColOpt = None,
    date_order: DateOrderOpt = DateOrder.auto,
    type_category: TypeCategoryOpt = None,
    all_types: Annotated[
        bool, typer.Option("--all-types", help="Keep the types excluded by default (drugs, ...).")
    ] = False,
) -> None:
    """Forecast test: train before --cut, test on the next months; hit rate and PAI vs baselines."""
    import pandas as pd

    from planner.export import check_out_dir
    from planner.forecast import evaluate_files, summary

    try:
        first = pd.Timestamp(dt.datetime.strptime(cut.strip(), "%Y-%m"))
    except ValueError:
        month = re.fullmatch(r"\d{4}-(\d{1,2})", cut.strip())
        why = (
            f"there is no month {int(month[1])}; " if month and not 1 <= int(month[1]) <= 12 else ""
        )
        msg = f"--cut {cut!r}: {why}give the first test month as YYYY-MM, e.g. 2019-10"
        raise PlannerError(msg) from None
    if not 1900 <= first.year <= 2100:
        msg = f"--cut {cut!r}: give a month between 1900-01 and 2100-12"
        raise PlannerError(msg)
    check_out_dir(out, "the evaluation", "--out")  # before minutes of loading and scoring
    specs = _incident_specs(
        _files(incidents, "--incidents"), schema=schema, x_col=x_col, y_col=y_col, crs=crs,
        time_col=time_col, clock_col=clock_col, type_col=type_col, id_col=id_col,
        date_order=date_order.value, type_categories=_type_categories(type_category),
    )  # fmt: skip
    table, data = evaluate_files(area, specs, first, test_months, out, all_types)
    typer.echo(summary(table))
    counts = ", ".join(f"{k}: {v}" for k, v in data.counts.items())
    typer.echo(f"\n{counts}\nwrote {out / 'evaluation.csv'} and {out / 'hit_rate.png'}")


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    typer.echo(f"warning: {message}", err=True)


def main(argv: list[str] | None = None) -> None:
    """Entry point: planner and usage errors become one clear ``error:`` line and exit code 2.

    A fault of the planner itself (:class:`PlannerFault`, "please report it") exits 3.

    ``argv`` are the arguments after the program name (default: the command line's).
    """
    from typer.exceptions import TyperException

    warnings.showwarning = _show_warning
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    try:
        code = app(args=argv, prog_name="patrol-planner", standalone_mode=False)
    except PlannerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(exc.exit_code) from None
    except TyperException as exc:  # usage errors of Typer's bundled click
        if type(exc).__name__ == "NoArgsIsHelpError":  # the help text was printed
            raise SystemExit(0) from None
        ctx = getattr(exc, "ctx", None)
        command = ctx.command_path if ctx is not None else "patrol-planner"
        hint = ""
        if command.endswith("evaluate-risk") and "unexpected extra argument" in str(exc):
            hint = (
                "; if these are incident files, give --incidents before each (or quote a "
                "pattern: --incidents 'a/*.csv')"
            )
        typer.echo(f"error: {exc.format_message()}{hint} (see: {command} --help)", err=True)
        raise SystemExit(getattr(exc, "exit_code", 2)) from None
    except typer.Abort:
        typer.echo("aborted", err=True)
        raise SystemExit(1) from None
    if code == INTERRUPTED:  # Typer's exit code for Ctrl-C
        typer.echo(
            "\ninterrupted: no file was written part-way (a plan's files go in together, or "
            "the earlier ones stay)",
            err=True,
        )
    raise SystemExit(code if isinstance(code, int) else 0)


#: Exit code of a command stopped by Ctrl-C (128 + SIGINT), as Typer returns it.
INTERRUPTED = 130


if __name__ == "__main__":
    main()
