"""Planner warnings: issued as Python warnings and kept, per thread, for the plan being made."""

import threading
import warnings

import pytest

from planner.errors import PlannerWarning, kept_warnings, warn


def test_warnings_are_kept_in_their_own_context_only():
    with pytest.warns(PlannerWarning, match="outside"):
        warn("outside any plan")  # kept by nobody
    kept: dict[str, list[str]] = {}

    def plan(name: str) -> None:
        with kept_warnings() as issued:
            for i in range(200):
                warn(f"{name} {i % 3}")
        kept[name] = issued

    threads = [threading.Thread(target=plan, args=(f"plan {k}",)) for k in range(4)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # filters do not stop a message being kept
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    for k in range(4):
        assert kept[f"plan {k}"] == [f"plan {k} 0", f"plan {k} 1", f"plan {k} 2"]
