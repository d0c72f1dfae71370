"""CP-SAT solves that Ctrl-C stops: :func:`solve_stoppable`."""

from __future__ import annotations

import threading

from ortools.sat.python import cp_model

#: Seconds between the main thread's looks at a solve running in its thread.
_POLL_S = 0.1


def solve_stoppable(solver: cp_model.CpSolver, model: cp_model.CpModel) -> cp_model.CpSolverStatus:
    """Solve ``model`` with ``solver``; Ctrl-C stops the search, then raises ``KeyboardInterrupt``.

    Left to itself, CP-SAT catches Ctrl-C: the solve ends as if its limit had come, the program
    goes on, and the handler is reset to the system's, so that the next Ctrl-C kills the
    program without a word. Here CP-SAT leaves the signal alone; on the main thread (the only
    one signals reach) the solve runs in a thread of its own, and the main thread, woken by
    Ctrl-C, stops the search and raises once it has ended. Returns the solve's status.
    """
    solver.parameters.catch_sigint_signal = False
    if threading.current_thread() is not threading.main_thread():
        return solver.solve(model)
    status: list[cp_model.CpSolverStatus] = []
    failed: list[BaseException] = []
    ended = threading.Event()  # not Thread.join: once interrupted, it may return too soon

    def run() -> None:
        try:
            status.append(solver.solve(model))
        except BaseException as exc:  # raised again on the main thread
            failed.append(exc)
        finally:
            ended.set()

    threading.Thread(target=run, name="cp-sat", daemon=True).start()
    try:
        while not ended.wait(_POLL_S):
            pass
    except KeyboardInterrupt:
        solver.stop_search()
        while not ended.wait(_POLL_S):  # a solve not yet under way misses the first stop
            solver.stop_search()
        raise
    if failed:
        raise failed[0]
    return status[0]
