"""The plan being followed: a plan's ``routes.json`` read back, and the re-plans beside it.

A re-plan follows a plan (or an earlier re-plan) as its ``routes.json`` records it
(:class:`Followed`). In a plan's folder, the newest re-plan made before the re-planning time is
followed (:func:`newest_replan`), so what it recorded (stops made, calls for service) stays
recorded; the checks here refuse a re-plan that would lose such a record, or that follows a
plan made under other rules for what was already walked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from planner.clock import clock_at, seconds_until
from planner.errors import ScenarioError, numbered
from planner.plan import Leg, Route
from planner.scenario import Scenario

#: Scenario settings that the legs already walked must keep obeying: a re-plan refuses to
#: change them (the meal break, per-unit hours and what hot spots are worth may change).
WALKED_RULES = (
    "officers.pace_m_per_s",
    "officers.unit_size",
    "officers.held_back_share",
    "officers.avoid",
    "dwell.min_minutes",
    "dwell.max_minutes",
    "dwell.max_visits",
    "dwell.min_revisit_gap_minutes",
    "dwell.max_minutes_per_spot",
    "places.forbidden",
)


def walked_rules(scenario: Scenario) -> dict[str, Any]:
    """Return the :data:`WALKED_RULES` of ``scenario`` as JSON values, by dotted key."""
    data = scenario.model_dump(mode="json")
    out = {}
    for key in WALKED_RULES:
        section, name = key.split(".")
        out[key] = data[section][name]
    # the order of the lists and the names of places are not rules
    out["officers.avoid"] = sorted(out["officers.avoid"])
    out["places.forbidden"] = sorted(
        [p["lat"], p["lon"], p["radius_m"]] for p in data["places"]["forbidden"]
    )
    return out


def changed_rules(recorded: dict[str, Any], scenario: Scenario) -> list[str]:
    """Describe each walked rule whose value in ``scenario`` differs from ``recorded``."""
    now = walked_rules(scenario)
    return [
        f"{key} was {json.dumps(recorded[key])}, now {json.dumps(now[key])}"
        for key in WALKED_RULES
        if key in recorded and recorded[key] != now[key]
    ]


@dataclass(frozen=True, slots=True)
class Followed:
    """The plan being followed, as ``routes.json`` records it."""

    scenario: str
    shift_start: dt.datetime
    shift_end: dt.datetime | None  # None in files written before the end was recorded
    routes: list[Route]
    timezone: str | None = None  # IANA name; None in files written before it was recorded
    rules: dict[str, Any] = field(default_factory=dict)  # walked_rules; {} in older files
    label: str = ""  # e.g. "variant 2 of 3"; "" for a single plan and in older files
    replanned_s: float | None = None  # seconds into the shift of the re-plan that made it
    followed_sha256: str | None = None  # a re-plan's: the digest of the routes.json it followed

    @property
    def local_start(self) -> dt.datetime:
        """The shift's start in its time zone (as recorded, in files without one)."""
        if self.timezone is None:
            return self.shift_start
        return self.shift_start.astimezone(ZoneInfo(self.timezone))


def variant_folders(folder: Path) -> list[Path]:
    """Return the ``variant_N`` folders of a plan's folder, by N (``plan --variants``)."""
    found = [p for p in Path(folder).glob("variant_*") if re.fullmatch(r"variant_[1-9]\d*", p.name)]
    return sorted((p for p in found if p.is_dir()), key=lambda p: int(p.name[8:]))


def planned_variants(folder: Path) -> list[Path]:
    """Return the ``variant_N`` folders of a plan's folder that hold a plan (its routes.json)."""
    return [v for v in variant_folders(folder) if (v / "routes.json").is_file()]


def read_routes(path: Path) -> Followed:
    """Read ``routes.json``: the scenario's name, the shift's start and end, and the routes.

    Raises
    ------
    ScenarioError
        If the file is missing or is not a plan's ``routes.json``.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        routes = [
            Route(
                int(r["officer"]),
                tuple(
                    Leg(
                        **{
                            **leg,
                            "segments": tuple(leg["segments"]),
                            "reversed": tuple(leg["reversed"]),
                        }
                    )
                    for leg in r["legs"]
                ),
            )
            for r in data["routes"]
        ]
        if not routes or any(not route.legs for route in routes):
            msg = "a unit without legs"
            raise ValueError(msg)
        if [route.officer for route in routes] != list(range(1, len(routes) + 1)):
            msg = "units not numbered 1, 2, ... in order"  # legs done are matched by order
            raise ValueError(msg)
        end = data.get("shift_end")
        if data.get("timezone") is not None:
            ZoneInfo(data["timezone"])  # a name this machine knows (else KeyError, below)
        return Followed(
            str(data["scenario"]),
            dt.datetime.fromisoformat(data["shift_start"]),
            None if end is None else dt.datetime.fromisoformat(end),
            routes,
            data.get("timezone"),
            dict(data.get("rules", {})),
            str(data.get("label", "")),
            None if data.get("replanned_s") is None else float(data["replanned_s"]),
            data.get("followed_sha256"),
        )
    except (FileNotFoundError, NotADirectoryError):
        variants = planned_variants(Path(path).parent)
        hint = (
            f"this folder holds variants: give the one being followed, e.g. --plan {variants[0]}"
            if variants
            else "give --plan the folder of a plan written by 'patrol-planner plan'"
        )
        msg = f"{path}: no such plan file; {hint}"
        raise ScenarioError(msg) from None
    except json.JSONDecodeError as exc:
        reason = f"not valid JSON (line {exc.lineno}, column {exc.colno})"
        raise ScenarioError(_not_routes(Path(path), reason)) from None
    except (KeyError, TypeError, ValueError):
        reason = "it does not hold the routes of a plan"
        raise ScenarioError(_not_routes(Path(path), reason)) from None


def newest_replan(routes_file: Path, at: dt.time) -> Path:
    """Return the ``routes.json`` to follow at ``at``: the newest re-plan made before it.

    A re-plan is written to a ``replan_HHMM`` folder beside the routes it followed (a re-plan of
    a re-plan inside its folder) and records when it was made and the digest of the file it
    followed. From ``routes_file`` down, the latest re-plan of that very file made before ``at``
    is taken, so that what it recorded (stops made, calls for service) is kept; a re-plan left
    from a plan since made again in the folder is not. ``routes_file`` itself when there is
    none, when it cannot be read, or when ``at`` is outside it (the re-plan then says why).
    """
    current = Path(routes_file)
    while True:
        try:
            there = read_routes(current)
            at_s = seconds_until(there.local_start, at)
        except ScenarioError:
            return current
        if not 0 <= at_s < max((r.end_s for r in there.routes), default=0.0):
            return current  # outside the plan: the re-plan says so, of the plan itself
        made = [
            (when, str(path))
            for path, replanned in replans_following(current)
            if (when := replanned.replanned_s) is not None and when < at_s
        ]
        if not made:
            return current
        current = Path(max(made)[1])


def replans_following(routes_file: Path) -> list[tuple[Path, Followed]]:
    """Return the re-plans in ``replan_*`` folders beside ``routes_file`` that followed it.

    Each as its ``routes.json`` and what it holds, in the folders' order; none when the file is
    not there. Re-plans that cannot be read, or followed another plan, are left out.
    """
    routes_file = Path(routes_file)
    if not routes_file.is_file():
        return []
    digest = file_digest(routes_file)
    following = []
    for path in sorted(routes_file.parent.glob("replan_*/routes.json")):
        try:
            replanned = read_routes(path)
        except ScenarioError:
            continue
        if replanned.followed_sha256 == digest:
            following.append((path, replanned))
    return following


def file_digest(path: Path) -> str:
    """Return the SHA-256 of a file's bytes (hex): which ``routes.json`` a re-plan followed."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def check_not_replaced(folder: Path, where: str, followed: Path) -> None:
    """Refuse, before planning, a re-plan into a folder that holds a plan or re-plan already.

    A re-plan records what was done and which units a call took; writing over it would lose
    that without a word. ``followed`` is the ``routes.json`` the new re-plan follows.
    """
    try:
        there = read_routes(Path(folder) / "routes.json")
    except ScenarioError:
        return
    fix = f"choose another folder ({where})"
    if there.replanned_s is None:
        msg = (
            f"{folder}: holds the plan of scenario '{there.scenario}', which a re-plan there "
            f"would replace; {fix}"
        )
        raise ScenarioError(msg)
    start = there.local_start
    if Path(followed).is_file() and there.followed_sha256 != file_digest(followed):
        msg = (
            f"{folder}: holds a re-plan made at {clock_at(start, there.replanned_s)} of another "
            f"plan than {followed}; delete that folder to replace it, or {fix}"
        )
        raise ScenarioError(msg)
    calls = sorted(
        {
            r.officer
            for r in there.routes
            for leg in r.legs
            if leg.kind == "call" and leg.end_s >= there.replanned_s - 1e-6  # busy then, or on
        }
    )
    gone = [r.officer for r in there.routes if r.gone]
    said = [
        f"{what}: {numbered('unit', found)}"
        for what, found in (("calls for service", calls), ("gone", gone))
        if found
    ]
    told = f" ({'; '.join(said)})" if said else ""
    msg = (
        f"{folder}: holds the re-plan made at {clock_at(start, there.replanned_s)}{told}, which "
        f"a re-plan there would replace; to add another unit's call at that time, give every "
        f"unit's --position in one re-plan; to redo it, delete that folder first; or {fix}"
    )
    raise ScenarioError(msg)


def _not_routes(path: Path, reason: str) -> str:
    """Say that ``path`` is no plan's routes.json, and point at the one beside it if any."""
    beside = path.parent / "routes.json"
    if path.name != "routes.json" and beside.is_file():
        fix = f"give the plan's folder or its routes.json, e.g. --plan {beside}"
    else:
        fix = "give --plan the folder of a plan written by 'patrol-planner plan'"
    return f"{path}: not a plan's routes.json: {reason}; {fix}"


def check_inside(routes: list[Route], at_s: float, start: dt.datetime | None = None) -> None:
    """Raise :class:`ScenarioError` unless ``at_s`` lies inside the plan being followed.

    With the plan's ``start``, the message gives clock times; without, minutes into the shift.
    """
    end = max(r.end_s for r in routes)
    if 0 <= at_s < end:
        return
    if start is None:
        msg = f"re-planning time {at_s / 60:.0f} min is outside the plan (0-{end / 60:.0f} min)"
    else:
        at, last = clock_at(start, at_s), clock_at(start, end)
        msg = (
            f"re-planning at {at} is outside the plan being followed ({start:%H:%M} to "
            f"{last}, when the last route ends); give a time inside it"
        )
    raise ScenarioError(msg)


def check_not_before(followed: Followed, at_s: float, start: dt.datetime, where: Path) -> None:
    """Refuse re-planning a re-plan at a time before the one it was made at.

    What was recorded then (stops made, a call for service) would be lost.
    """
    if followed.replanned_s is None or at_s >= followed.replanned_s - 1e-6:
        return
    made, at = clock_at(start, followed.replanned_s), clock_at(start, at_s)
    msg = (
        f"{where}: this plan was re-planned at {made}; re-planning it at {at} would "
        f"lose what was recorded then (stops made, calls for service); give a time from "
        f"{made} on, or with --plan the plan it was made from"
    )
    raise ScenarioError(msg)
