"""Widgets bound to the draft scenario (:mod:`ui.draft`): drawn from it, written back on change.

The draft is the truth: every widget is set from it on every run and only a widget's change
callback writes to it, so neither a hidden tab whose widgets Streamlit drops nor a run that quick
edits interrupt can put a widget's default in place of a value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import streamlit as st

from planner.scenario import AREA_SOURCE_FIELDS, CUT_FIELDS, LOCAL_SOURCES
from ui.draft import WIDGET, draft, get_in, set_in

#: Where the sidebar shows a scenario key (the editor's keys are added as they are drawn).
SIDEBAR = {
    "officers.count": "'Officers on foot' in the sidebar",
    "solver.time_limit_s": "'Solver time limit (s)' in the sidebar",
}
#: Scenario key -> label of the editor's widget for it, learnt as the Scenario tab draws it (on
#: any page of this server: the labels are the same for every page).
LABELS: dict[str, str] = {}
_NONE = object()
"""What the draft holds at a path it lacks (a widget's value is never this)."""
#: Session key: the problems the scenario check last found in the draft, a line each.
PROBLEMS = "field_problems"


def bound(
    widget: Callable[..., Any],
    label: str,
    path: str,
    default: Any = None,  # noqa: ANN401
    to_widget: Callable[[Any], Any] = lambda v: v,
    from_widget: Callable[[Any], Any] = lambda v: v,
    then: Callable[[], None] | None = None,
    **kwargs: Any,  # noqa: ANN401
) -> Any:  # noqa: ANN401
    """Draw ``widget`` showing the draft's value at ``path``; its change callback writes to it.

    Parameters
    ----------
    widget : callable
        A Streamlit widget function (``st.number_input``, ...), called with ``key=``.
    label : str
        The widget's label.
    path : str
        Dotted path in the draft (``"dwell.max_minutes"``); also the widget key after ``ed:``.
    default : object, optional
        Value used when the draft has none.
    to_widget, from_widget : callable
        Conversions between the draft's JSON value and the widget's value.
    then : callable, optional
        Called by the change callback once the new value is in the draft.
    **kwargs
        Passed to the widget; its ``help`` gets a last line naming the scenario key ``path``,
        which the planner's messages use.

    Returns
    -------
    object
        The widget's value.
    """
    key = WIDGET + path
    LABELS[path] = label
    key_note = f"Scenario file key: `{path}`"
    kwargs["help"] = f"{kwargs['help']}\n\n{key_note}" if kwargs.get("help") else key_note
    # Set on every run: a widget seeded once can come back from an interrupted run or a hidden
    # tab with its own default (an empty name, the clock time, the minimum), and drawing it
    # would then write that default to the draft.
    shown = st.session_state[key] = to_widget(get_in(draft(), path, default))
    args = (key, path, from_widget, then)
    kwargs |= as_default(widget, shown, kwargs)
    value = widget(label, key=key, on_change=_changed, args=args, **kwargs)
    set_in(draft(), path, from_widget(value))  # a value the draft lacked: the default shown
    for problem in problems_naming(path):
        getattr(widget, "__self__", st).markdown(f":red[:material/error: {_escaped(problem)}]")
    return value


def note_problems(message: str | None) -> None:
    """Keep the scenario check's problems (``message``, None if it passed), a line each.

    Each field drawn with :func:`bound` then shows those naming its key below it, where it is
    mended: the page's top, which says them all, may be scrolled out of sight.
    """
    lines = (message or "").splitlines()[1:]  # the first says which scenario
    st.session_state[PROBLEMS] = [line.strip() for line in lines if line.strip()]


def problems_naming(path: str) -> list[str]:
    """Return the problems noted (:func:`note_problems`) that name the scenario key ``path``."""
    key = re.compile(rf"(?<![\w.]){re.escape(path)}(?!\w)")
    return [line for line in st.session_state.get(PROBLEMS, []) if key.search(line)]


def _escaped(text: str) -> str:
    """Return ``text`` with the characters Markdown would read as markup escaped."""
    return re.sub(r"([\\`*_\[\]<>#|~$:])", r"\\\1", text)


def switch(
    widget: Callable[..., Any],
    label: str,
    name: str,
    shown: Any,  # noqa: ANN401
    apply: Callable[[Any], None],
    **kwargs: Any,  # noqa: ANN401
) -> Any:  # noqa: ANN401
    """Draw a widget whose value the draft implies (a meal break or none, a station's kind).

    Like :func:`bound`, it is set from the draft on every run, so a scenario opened while it is
    on the page redraws it; its change callback calls ``apply`` with the new value, which edits
    the draft (adds a meal break with default times, drops it, ...). Returns ``shown``.
    """
    key = WIDGET + name
    st.session_state[key] = shown
    kwargs |= as_default(widget, shown, kwargs)
    widget(label, key=key, on_change=_switched, args=(key, apply, shown), **kwargs)
    return shown


def as_default(widget: Callable[..., Any], shown: Any, kwargs: dict[str, Any]) -> dict[str, Any]:  # noqa: ANN401
    """Return the argument that makes ``shown`` the widget's default too, if it can take it.

    ``shown`` is the value set through the session state; the argument is ``value``, ``index``
    or ``default``. A page's browser shows a widget at its default until it has drawn the value
    set for it, and a click in that moment (a tab, a box) sends what it shows back as a change:
    a new page whose Scenario tab was clicked at once read 0 officers and picked the first
    example. With the value as default the two agree. A value the widget would refuse as its
    default (outside its limits, not among its options) gets none, and Streamlit's handling.
    """
    kind = widget.__name__  # st.radio, or a column's radio
    if kind == "multiselect":
        return {"default": shown} if set(shown) <= set(kwargs.get("options", shown)) else {}
    if "options" in kwargs:
        options = list(kwargs["options"])
        return {"index": options.index(shown)} if shown in options else {}
    if kind == "number_input" and shown is not None and not _fits(shown, kwargs):
        return {}
    return {"value": shown}


def keyed(
    widget: Callable[..., Any],
    label: str,
    key: str,
    fallback: Any = None,  # noqa: ANN401
    **kwargs: Any,  # noqa: ANN401
) -> Any:  # noqa: ANN401
    """Draw ``widget`` under ``key``, its value in the session state its default too.

    The default is that value, else ``fallback`` (see :func:`as_default`); options go in
    ``options=``. Returns the widget's value.
    """
    shown = st.session_state.get(key, fallback)
    return widget(label, key=key, **kwargs, **as_default(widget, shown, kwargs))


def _fits(number: Any, kwargs: dict[str, Any]) -> bool:  # noqa: ANN401
    """Whether a number input takes ``number`` as its default: within its limits, of their type."""
    given = [kwargs[name] for name in ("min_value", "max_value", "step") if name in kwargs]
    if isinstance(number, bool) or not isinstance(number, int | float):
        return False
    if any(type(limit) is not type(number) for limit in given if limit is not None):
        return False
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    return (low is None or low <= number) and (high is None or number <= high)


def _switched(key: str, apply: Callable[[Any], None], shown: Any) -> None:  # noqa: ANN401
    # no key: another callback of this rerun opened another draft; the value shown: no change
    if key in st.session_state and st.session_state[key] != shown:
        apply(st.session_state[key])


def _changed(
    key: str,
    path: str,
    from_widget: Callable[[Any], Any],
    then: Callable[[], None] | None = None,
) -> None:
    """Write a changed value to the draft before the script runs (so the page checks it).

    Another callback of the same rerun (an example scenario chosen, a station picked) may have
    dropped the widget keys and loaded another draft: the change then has nothing to apply to.
    A widget the browser drew again (its tab shown again, its scenario just opened) can report
    the value it already had as a change: that changes nothing (the area's source reported
    so, as the one it was, dropped the area's box).
    """
    if key not in st.session_state:
        return
    value = from_widget(st.session_state[key])
    if value != get_in(draft(), path, _NONE):
        set_in(draft(), path, value)
        if path == "area.source":
            keep_source_fields(draft()["area"])
        if then is not None:
            then()


def keep_source_fields(area: dict[str, Any], keep_cut: bool = True) -> None:
    """Drop the area's fields its source does not use (a file's path once online, ...).

    A local file keeps the box or polygon that cuts it, unless not ``keep_cut`` (the source
    has just changed: an online area's box would cut the local map chosen next, unseen).
    """
    used = AREA_SOURCE_FIELDS.get(area.get("source", ""))
    local = area.get("source", "embedded") in LOCAL_SOURCES
    cut = CUT_FIELDS if keep_cut and local else ()
    for key in [k for k in area if k not in ("source", used, *cut)]:
        del area[key]


def number(label: str, path: str, default: float, **kwargs: Any) -> Any:  # noqa: ANN401
    """Draw a number input whose limits widen to the draft's value (drawing never changes it).

    Streamlit resets a value outside ``min_value`` / ``max_value`` to the minimum; the limits
    here only guide typing, and the scenario's own check judges the value.
    """
    value = get_in(draft(), path, default)
    if isinstance(value, int | float) and not isinstance(value, bool):
        for name, pick in (("min_value", min), ("max_value", max)):
            limit = kwargs.get(name)
            if isinstance(limit, float) or (isinstance(limit, int) and isinstance(value, int)):
                kwargs[name] = type(limit)(pick(limit, value))
    return bound(st.number_input, label, path, default, **kwargs)


def labelled(message: str) -> str:
    """Name the field beside each scenario key that ``message`` names.

    The planner's messages name scenario keys (``officers.pace_m_per_s: ...``), the page shows
    labels: ``officers.pace_m_per_s ('Pace (m/s)' on the Scenario tab): ...``. Dotted keys are
    labelled wherever they stand; a key of one word (``name``) only where it starts a problem
    (``key: reason``), not in a sentence.
    """
    labels = dict(LABELS)  # another page's thread may add a label meanwhile
    where = SIDEBAR | {path: f"'{label}' on the Scenario tab" for path, label in labels.items()}

    def label(match: re.Match[str]) -> str:
        return f"{match.group(1)}{match.group(2)} ({where[match.group(2)]})"

    def alternatives(paths: list[str]) -> str:
        return "|".join(re.escape(p) for p in sorted(paths, key=len, reverse=True))

    dotted = [path for path in where if "." in path]
    plain = [path for path in where if "." not in path]
    if dotted:
        message = re.sub(rf"(^|(?<![\w.]))({alternatives(dotted)})(?!\w)", label, message)
    if plain:
        message = re.sub(
            rf"(^\s*|: )({alternatives(plain)})(?=:)", label, message, flags=re.MULTILINE
        )
    return message
