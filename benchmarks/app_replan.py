"""Re-plan time of the app: first load of the default scenario, then a changed officer count.

Runs the app headless with Streamlit's AppTest, exactly as a user would use it: the first run
plans ``scenarios/helsinki_default.yaml`` with the app's default time limit (the street graph
is loaded and cached), then the officer count is changed and Plan pressed; the seconds of that
script run (planning and drawing the page) are the re-plan time. The acceptance target is
under 3 s. Also prints the library part alone (``pipeline.run`` with the cached area).

    .venv/bin/python -m benchmarks.app_replan [--repeat N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from planner import pipeline
from planner.scenario import load_scenario
from ui.draft import APP_TIME_LIMIT_S

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "ui" / "app.py")
TARGET_S = 3.0
#: Officer counts of the re-plans, near the default's four.
COUNTS = (3, 5, 2, 6, 7)


def machine() -> str:
    """CPU count, load average and Python of this machine."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{os.cpu_count()} cores, load {load:.2f}, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}"
    )


def app_replans(repeat: int) -> tuple[float, list[float]]:
    """First-load seconds, then seconds of each re-plan (officers 3, 5, 2, 6, 7, ...)."""
    at = AppTest.from_file(APP, default_timeout=600)
    started = time.perf_counter()
    at.run()
    first = time.perf_counter() - started
    assert not at.exception, at.exception
    seconds = []
    for i in range(repeat):
        officers = COUNTS[i % len(COUNTS)] + 10 * (i // len(COUNTS))  # never a cache hit
        at.sidebar.number_input(key="officers").set_value(officers).run()
        started = time.perf_counter()
        at.sidebar.button[0].click().run()
        seconds.append(time.perf_counter() - started)
        assert not at.exception, at.exception
        assert len(at.session_state["plan"].routes) == officers, "the re-plan did not happen"
    return first, seconds


def library_replans(repeat: int) -> list[float]:
    """Seconds of ``pipeline.run`` alone for changed officer counts, area loaded."""
    base = load_scenario(ROOT / "scenarios" / "helsinki_default.yaml")
    base = base.model_copy(
        update={"solver": base.solver.model_copy(update={"time_limit_s": APP_TIME_LIMIT_S})}
    )
    area = pipeline.load_area(base)
    pipeline.run(base, area=area, today=dt.date.today())  # posts solved and memoised
    seconds = []
    for i in range(repeat):
        officers = COUNTS[i % len(COUNTS)] + 10 * (i // len(COUNTS))
        scenario = base.model_copy(
            update={"officers": base.officers.model_copy(update={"count": officers})}
        )
        started = time.perf_counter()
        pipeline.run(scenario, area=area, today=dt.date.today())
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=4, help="re-plans measured (default 4)")
    args = parser.parse_args()
    print(f"machine          {machine()}")
    print(f"scenario         helsinki_default, solver.time_limit_s = {APP_TIME_LIMIT_S:g} (app)")
    first, app = app_replans(args.repeat)
    print(f"app first load   {first:.2f} s (street graph, risk, posts, routes, page)")
    print(f"app re-plan      {', '.join(f'{s:.2f}' for s in app)} s")
    print(
        f"  median         {statistics.median(app):.2f} s, max {max(app):.2f} s "
        f"(target < {TARGET_S:g} s: {'met' if max(app) < TARGET_S else 'NOT met'})"
    )
    lib = library_replans(args.repeat)
    print(f"pipeline.run     {', '.join(f'{s:.2f}' for s in lib)} s (area cached, posts memoised)")
    print(f"  median         {statistics.median(lib):.2f} s")
    print(f"load after       {machine().split(', ')[1]}")


if __name__ == "__main__":
    main()
