"""Keep a page's scenario, sidebar, plan and comparison across a reload (F5) while the server runs.

Streamlit starts a new session, with empty session state, when the page is reloaded. Each page
is therefore named by a random id in its address (``?page=...``): after every run the scenario
being edited (and the text typed in its YAML box), the sidebar's values, the open tab, the plan
on screen, the staffing comparison and the planning or comparison under way are kept in the
server's memory under that id, and a new session whose address names a kept page takes them
back before any widget is drawn (and waits for the jobs again), and keeps them from then on
under an id of its own, so that two tabs opened on one address never write over each other's
work (the store keeps the :data:`MAX_PAGES` pages used last). Nothing is written to disk:
stopping the server forgets them (save the scenario as YAML to keep it).
"""

from __future__ import annotations

import copy
import re
import threading
import uuid
from collections import OrderedDict
from typing import Any

import streamlit as st

from ui import draft as drafts
from ui import jobs, staffing, uploads

PARAM = "page"
MAX_PAGES = 200
"""Pages kept at most; the one used longest ago is forgotten first.

Every page opened and every reload takes one, for everyone on the server. A kept plan of the
Helsinki default is 0.2 MB pickled beside its street graph (2.6 MB), which the plans of one area
share; a kept staffing comparison holds the routes and KPIs of each count it planned.
"""

#: Session-state keys kept: the draft and where it came from, the sidebar, the open tab, the
#: uploaded files and their summaries, the plan on screen with its error, if any, and the jobs
#: under way (the same job, not a copy: a reload waits for it, as the page did).
KEYS = (
    drafts.DRAFT,
    drafts.WHERE,
    drafts.BASE_DIR,
    drafts.OPENED,
    drafts.OWN_LIMIT,
    drafts.PREVIEW_LIMIT,
    drafts.UPLOADS,
    drafts.INCIDENT_REPORTS,
    "scenario",
    "officers",
    "time_limit_s",
    "tab",
    "pick_mode",  # what a click on the Scenario tab's map does: a reload must not change it
    *uploads.INCIDENT_SETTINGS,  # how the next incident file is read
    "plan",
    "plan_yaml",
    "plan_key",
    "plan_error",
    jobs.PLANNING,  # the planning job under way: a reload waits for it again
    drafts.FAILED_YAML,
    drafts.SET_ASIDE,
    drafts.PLAN_FILE_LIMIT,
    *uploads.YAML_STATE,
    *staffing.STATE,
)
#: Prefixes of session-state keys kept too (the staffing shift tables, one per shift).
PREFIXES = staffing.STATE_PREFIXES
OWN = "keep_page"
"""Session-state key of the id this page's state is kept under."""
FORGOTTEN = (
    "This page's scenario and plan are no longer kept: the app keeps the "
    f"{MAX_PAGES} pages used last, for everyone using it, and forgets them all when it "
    "stops. The example scenario is open. Save a scenario as YAML to keep it."
)
"""What a page whose address names a page no longer kept is told (over the example)."""
#: Values edited in place, copied when kept and when taken back (the others are replaced).
MUTABLE = (drafts.DRAFT, drafts.INCIDENT_REPORTS, drafts.SET_ASIDE)
_ID = re.compile(r"[0-9a-f]{32}")


class _Pages:
    """Kept pages by id, least recently used first; shared by the server's sessions."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pages: OrderedDict[str, dict[str, Any]] = OrderedDict()


@st.cache_resource(show_spinner=False)
def _pages() -> _Pages:
    return _Pages()


def _page_id() -> str | None:
    """Return the id in the page's address, if it is one this module gave."""
    value = st.query_params.get(PARAM)
    return value if value is not None and _ID.fullmatch(value) else None


def restore() -> str | None:
    """Take back what the page of a new session's address had.

    Call it first in the script, before any widget is drawn (it sets widget values). Returns
    what to say when the address names a page the server no longer keeps, else None (it does
    nothing after a session's first run).
    """
    if drafts.DRAFT in st.session_state or (page := _page_id()) is None:
        return None
    store = _pages()
    own = uuid.uuid4().hex  # this page's from now on, kept under it at once
    with store.lock:
        kept = store.pages.get(page)
        if kept is None:  # an id this module gave: the server has forgotten the page since
            return FORGOTTEN
        store.pages.move_to_end(page)  # another tab may still hold this address
        store.pages[own] = kept
    st.session_state[OWN] = own
    st.query_params[PARAM] = own
    for key, value in kept.items():
        st.session_state[key] = copy.deepcopy(value) if key in MUTABLE else value
    if "officers" not in kept:  # kept while the field was empty: the scenario's count
        st.session_state["officers"] = int(drafts.get_in(kept[drafts.DRAFT], "officers.count", 4))
    if "scenario" not in kept:  # kept while blank: a scenario of one's own, not the example
        st.session_state["scenario"] = drafts.example_of(kept.get(drafts.WHERE, ""))
    return None


def keep() -> None:
    """Keep this page's state under its own id, and put that id in the page's address."""
    page = st.session_state.get(OWN)
    if page is None:
        page = st.session_state[OWN] = uuid.uuid4().hex
    if st.query_params.get(PARAM) != page:
        st.query_params[PARAM] = page
    kept = {
        str(key): copy.deepcopy(value) if key in MUTABLE else value
        for key, value in st.session_state.items()
        if (key in KEYS or str(key).startswith(PREFIXES)) and value is not None
    }
    if (table := staffing.edited_rows()) is not None:  # edits not folded into its rows yet
        kept[table[0]] = table[1]
    if (typed := uploads.typed_yaml()) is not None:  # what the box holds now, if not applied
        kept[drafts.YAML_TYPED] = typed
        kept[drafts.YAML_TYPED_OVER] = st.session_state.get("yaml_text_of")
    store = _pages()
    with store.lock:
        store.pages[page] = kept
        store.pages.move_to_end(page)
        while len(store.pages) > MAX_PAGES:
            store.pages.popitem(last=False)
