"""Work that outlives a rerun: planning and staffing comparisons run in threads of their own.

Streamlit stops the page's script whenever the page is run again: a tab clicked, a widget
changed, a second press. Work done inside the script would stop with it, and a plan that
searched for a minute would be lost to a click on another tab. So the app hands such work to a
worker thread of the server (:func:`start`) and the script only waits for it (:func:`wait`),
drawing its progress: a rerun stops the waiting, not the work, and the next run finds the job
in the session and waits for it again; so does a reload of the page, which takes the job back
with the page's state (:mod:`ui.keep`). A job's work must not draw on the page (it has no page);
it reports its progress with :meth:`Job.report`, which the waiting script draws.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

#: Seconds between two looks at a job's progress.
POLL_S = 0.2
#: A step is said with its seconds so far once it has taken this long.
SAY_AFTER_S = 3.0
#: Jobs of the server that run at once (each page has at most one plan and one comparison).
WORKERS = 8
#: Session-state slot of the page's planning job, until its plan or error is kept.
PLANNING = "planning"


@dataclass
class Job:
    """Work under way in a worker thread: what it is about, its progress and its outcome.

    Attributes
    ----------
    about : dict
        What the page needs once the job has ended (the scenario text it plans, ...).
    key : str or None
        What the job makes, by which another page joins it (:func:`join`); None: not shared.
    future : concurrent.futures.Future
        The work's outcome: its value, or the exception it raised.
    fraction : float
        Share of the work done, 0 to 1, as last reported.
    text : str
        What the work is doing, as last reported.
    since : float
        When it was reported (``time.perf_counter``): :meth:`said` gives the seconds since.
    seconds : float
        Seconds the work took, once it has ended.
    ended : datetime.datetime or None
        Local time the work ended, None until then (a page may take the outcome up later).
    """

    about: dict[str, Any]
    key: str | None = None
    future: Future[object] = field(default_factory=Future)
    fraction: float = 0.0
    text: str = "Starting"
    seconds: float = 0.0
    ended: dt.datetime | None = None
    since: float = field(default_factory=time.perf_counter)

    def report(self, fraction: float, text: str) -> None:
        """Set the progress the page draws (called from the work's thread)."""
        if text != self.text:
            self.since = time.perf_counter()
        self.fraction, self.text = min(max(fraction, 0.0), 1.0), text

    def said(self) -> str:
        """Say what the work is doing, and for how long after a few seconds (``: 12 s so far``)."""
        seconds = time.perf_counter() - self.since
        return f"{self.text}: {seconds:.0f} s so far" if seconds >= SAY_AFTER_S else self.text


@st.cache_resource(show_spinner=False)
def _workers() -> ThreadPoolExecutor:
    """Start the server's worker threads, once."""
    return ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="page-job")


@st.cache_resource(show_spinner=False)
def _under_way() -> dict[str, Job]:
    """Jobs of the server under way by what they make (their ``key``), shared by every page."""
    return {}


def start(
    slot: str, work: Callable[[Job], object], about: dict[str, Any], key: str | None = None
) -> Job:
    """Run ``work(job)`` in a worker thread and keep the job in the session under ``slot``.

    A job given a ``key`` (what it makes) can be joined by another page while it runs
    (:func:`join`).
    """
    job = Job(about, key)

    def timed(job: Job) -> object:
        started = time.perf_counter()
        try:
            return work(job)
        finally:
            job.seconds = time.perf_counter() - started
            job.ended = dt.datetime.now()

    job.future = _workers().submit(timed, job)
    if key is not None:
        under_way = _under_way()
        under_way[key] = job
        job.future.add_done_callback(lambda _: under_way.pop(key, None))  # at once if ended
    st.session_state[slot] = job
    return job


def join(slot: str, key: str) -> Job | None:
    """Keep under ``slot`` the job of the server that makes ``key``, if one is under way.

    A page that asks for what another page (or itself, before a reload) is making waits for
    that job rather than doing the work a second time. Returns the job, or None.
    """
    job = _under_way().get(key)
    if job is None or job.future.done():
        return None
    st.session_state[slot] = job
    return job


def running(slot: str) -> Job | None:
    """Return the job kept under ``slot`` (ended or not), or None."""
    job = st.session_state.get(slot)
    return job if isinstance(job, Job) else None


def wait(job: Job, draw: Callable[[float, str], object]) -> None:
    """Draw the job's progress with ``draw(fraction, text)`` until the job has ended.

    A rerun of the page stops this wait (at a draw), not the job: the job stays in the
    session, and the next run waits for it again.
    """
    while not job.future.done():
        draw(job.fraction, job.said())
        futures.wait([job.future], timeout=POLL_S)  # back at once when it ends
