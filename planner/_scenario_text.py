"""Scenario text: YAML that keeps clock times as text, and validation errors as readable lines.

The scenario model lives in :mod:`planner.scenario`; this module turns YAML syntax errors into a
line and column, and pydantic errors into ``field: what is wrong`` lines (with the known keys
and a close match for a mistyped one).
"""

from __future__ import annotations

import calendar
import difflib
import re
from typing import Any

import yaml
from pydantic import BaseModel

from planner.errors import ScenarioError, counted


class _DuplicateKey(yaml.constructor.ConstructorError):
    """A key given twice in one mapping (its message says where, and to keep one)."""


class _Loader(yaml.SafeLoader):
    """YAML loader for scenarios.

    It reads ``18:00`` as text, not as the YAML 1.1 base-60 integer 1080, and refuses a key
    given twice in one mapping (PyYAML would keep the last value without a word).
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Build a mapping, refusing duplicate keys (merge keys ``<<`` may override)."""
        seen: dict[object, yaml.Node] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            key = self.construct_object(key_node)  # 1 and 01 are one key, 1 and "1" two
            if key in seen:
                mark = seen[key].start_mark
                raise _DuplicateKey(
                    None,
                    None,
                    f"key '{key}' is given twice (first at line {mark.line + 1}, column "
                    f"{mark.column + 1}); keep one",
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:int"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789")
)


def _decimal_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    """Read a whole number written in digits as decimal: ``010`` is ten, ``0200`` two hundred.

    YAML 1.1 (PyYAML) reads a leading 0 as octal: ``count: 010`` would plan 8 officers, and
    ``end: 0200`` would be the number 128 (``0900`` no number at all).
    """
    text = str(loader.construct_scalar(node)).replace("_", "")  # YAML 1.1 digit groups: 1_000
    if re.fullmatch(r"[-+]?[0-9]+", text):
        return int(text, 10)
    return int(loader.construct_yaml_int(node))


_Loader.add_constructor("tag:yaml.org,2002:int", _decimal_int)


#: Pydantic's type errors say what is wrong in terms of parsing and types: here, in plain words,
#: what is wrong (None: pydantic's sentence will do) and what to write instead.
_TYPE_FIXES: dict[str, tuple[str | None, str]] = {
    "int_parsing": ("not a whole number", "write a whole number, e.g. 4"),
    "int_type": ("not a whole number", "write a whole number, e.g. 4"),
    "int_from_float": ("not a whole number", "write a whole number, e.g. 4"),
    "float_parsing": ("not a number", "write a number, e.g. 1.5"),
    "float_type": ("not a number", "write a number, e.g. 1.5"),
    "bool_parsing": ("neither true nor false", "write true or false"),
    "bool_type": ("neither true nor false", "write true or false"),
    "time_parsing": ("not a clock time", 'write a clock time from "00:00" to "23:59", in quotes'),
    "time_type": ("not a clock time", 'write a clock time from "00:00" to "23:59", in quotes'),
    "date_parsing": ("not a date", "write a date as YYYY-MM-DD"),
    "date_type": ("not a date", "write a date as YYYY-MM-DD"),
    "date_from_datetime_parsing": (
        "not a date",
        "write a date as YYYY-MM-DD, e.g. 2026-03-13 for 13 March",
    ),
    "string_type": (None, "write text (in quotes if it looks like a number or a time)"),
    "list_type": (None, "write a list, e.g. [a, b]"),
}

#: Why a field has its lower limit, where the number alone does not say.
_FLOOR_WHY = {
    "min_minutes": "a stop is given in minutes (a Koper stop lasts 10-15)",
    "max_minutes": "a stop is given in minutes (a Koper stop lasts 10-15)",
    "minutes": "a meal break is given in minutes, e.g. 30",
    "visibility_radius_m": (
        "streets are judged in pieces of up to 50 m by their midpoints, so a smaller radius "
        "would watch almost nothing"
    ),
}

#: Why a walking pace is too fast, most often: a speed in km/h.
_PACE_WHY = (
    "the pace is in metres per second, not km/h: 5 km/h is 1.39, and a patrol's beat about 1.0"
)

#: What is wrong and what to write, in friendly words, for the patterns the scenario model uses.
_PATTERN_FIXES: dict[str, tuple[str, str]] = {
    r"^[\w.-]+$": (
        "not a valid name",
        "use letters (any alphabet), digits, '_', '.' and '-' only (no spaces), e.g. töölö_1",
    ),
}


def describe_all(errors: list[Any], model: type[BaseModel], text: str | None = None) -> list[str]:
    """Return the lines of :func:`describe` for pydantic ``errors``, one per problem.

    A required key reported missing is left out when an unknown key beside it is a close
    match (a misspelling): the line of the unknown key says what to write.
    """
    misspelt = set()
    for err in errors:
        if err["type"] == "extra_forbidden":
            parent = tuple(err["loc"][:-1])
            known = _known_keys(model, parent)
            misspelt |= {
                (*parent, guess)
                for guess in difflib.get_close_matches(str(err["loc"][-1]), known, n=1)
            }
    return [
        describe(err, model, text)
        for err in errors
        if not (err["type"] == "missing" and tuple(err["loc"]) in misspelt)
    ]


def describe(err: dict[str, Any], model: type[BaseModel], text: str | None = None) -> str:
    """Return one pydantic error as a line: the field, what is wrong, the fix when known.

    With the scenario's YAML ``text``, the line of the value is named too (not for a missing
    key, nor for a value reached through a merge key, which the text does not hold there).
    """
    loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
    if text is not None and (line := yaml_line(text, err["loc"])) is not None:
        loc = f"line {line}, {loc}"
    kind = err["type"]
    if kind == "extra_forbidden":
        known = _known_keys(model, err["loc"][:-1])
        guess = difflib.get_close_matches(str(err["loc"][-1]), known, n=1)
        hint = f"did you mean '{guess[0]}'? " if guess else ""
        key, here = str(err["loc"][-1]), str(err["loc"][0]) if len(err["loc"]) == 2 else ""
        near_top = len(err["loc"]) <= 2  # a key at the top or in a section, not deeper
        if not guess and near_top and (home := _section_of(model, key, here)):
            hint = f"it is a key of {home}: move it there ({home}.{err['loc'][-1]}); "
        per_unit = tuple(err["loc"][:2]) == ("officers", "per_unit") and len(err["loc"]) == 4
        if per_unit and not guess:
            hint += (
                f"this entry is unit {int(err['loc'][2]) + 1}: units are numbered by their "
                "place in the list (an entry {} keeps a unit as the others); "
            )
        return f"{loc}: unknown key; {hint}known keys here: {', '.join(sorted(known))}"
    if kind == "missing":
        return f"{loc}: required but missing; add it"
    got = err.get("input")
    got_text = f" (got {got!r})" if not isinstance(got, dict | list) else ""
    if got is None:
        got_text = " (it has no value)"
    # our validators' own sentences, and pydantic's without its "Input"
    what = str(err["msg"]).removeprefix("Value error, ").replace("Input should", "should", 1)
    plain, fix = _TYPE_FIXES.get(kind, (None, None))
    if kind in ("model_type", "dict_type"):
        what = "should be a mapping of keys, not " + (
            "a list" if isinstance(got, list) else "a single value"
        )
        known = _known_keys(model, err["loc"])
        fix = "write it as {key: value, ...}" + (
            f"; known keys here: {', '.join(sorted(known))}" if known else ""
        )
    elif kind == "list_type" and err["loc"] == ("incidents",):
        fix = "write each file as an item of a list, on its own line: '  - {path: FILE}'"
    elif kind == "less_than_equal" and err["loc"][-1] == "pace_m_per_s":
        fix = _PACE_WHY
    elif kind == "greater_than_equal":
        fix = _FLOOR_WHY.get(str(err["loc"][-1]))
    elif kind == "string_pattern_mismatch":
        plain, fix = _PATTERN_FIXES.get(str(err.get("ctx", {}).get("pattern")), (None, None))
    elif kind == "float_parsing" and _comma_decimal(got):
        dotted = str(got).strip().replace(",", ".")
        fix = f"use a dot as the decimal separator, and no thousands separator: {dotted}"
    elif kind.startswith("date") and (why := _no_such_day(got)):
        fix = f"{why}; write a day that exists, as YYYY-MM-DD"
    elif kind == "time_parsing" and err["loc"][-1] == "end" and (clock := _end_clock(got)):
        fix = f'write the clock time alone, "{clock}": an end before the start is on the next day'
    elif kind == "time_parsing" and (clock := _twelve_hour_clock(got)):
        fix = f'write it on the 24-hour clock, in quotes: "{clock}"'
    elif kind in ("literal_error", "enum") and isinstance(got, str):
        allowed = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))
        if guess := difflib.get_close_matches(got.strip().lower(), allowed, n=1):
            fix = f"did you mean '{guess[0]}'?"
    if plain:
        what = plain
    keys = ".".join(str(p) for p in err["loc"])
    if keys and what.startswith(f"{keys}."):  # a section's check names its own keys
        loc = loc.removesuffix(keys).removesuffix(", ")
        return (f"{loc}: " if loc else "") + f"{what}{got_text}" + (f"; {fix}" if fix else "")
    return f"{loc}: {what}{got_text}" + (f"; {fix}" if fix else "")


def _no_such_day(value: object) -> str | None:
    """Say why text written as YYYY-MM-DD is no date (``February 2026 has 28 days``), if so."""
    found = re.fullmatch(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*", str(value))
    if found is None:
        return None
    year, month, day = (int(part) for part in found.groups())
    if not 1 <= month <= 12:
        return f"there is no month {month}"
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f"{calendar.month_name[month]} {year} has {days} days"
    return None


def _end_clock(value: object) -> str | None:
    """Return the clock time an end past midnight was written with (``26:00``: ``02:00``).

    ``26:00``, ``02:00 next day`` and ``2026-12-12 02:00`` all name the clock's 02:00, and
    ``2:00 PM`` names 14:00 (``12:30 AM``, 00:30); None when the text holds no hours and minutes.
    """
    found = re.search(r"(\d{1,2}):([0-5]\d)", str(value))
    if found is None:
        return None
    hour = int(found[1]) % 24
    if half := re.search(r"(?<![a-z])([ap])\.?m\b", str(value)[found.end() :], re.IGNORECASE):
        hour = _from_twelve_hours(hour, half[1])
    return f"{hour:02d}:{found[2]}"


def _from_twelve_hours(hour: int, half: str) -> int:
    """Return the 24-hour clock's hour of ``hour`` AM (``half`` ``a``) or PM (``p``)."""
    return hour % 12 + (12 if half.lower() == "p" else 0)


def _twelve_hour_clock(value: object) -> str | None:
    """Return the 24-hour clock time of a time written with AM / PM (``8pm``: ``20:00``).

    ``8pm``, ``8 PM``, ``11:30 p.m.`` and ``12:15 AM`` (``00:15``) are read; None for any
    other text.
    """
    found = re.fullmatch(
        r"\s*(\d{1,2})(?::([0-5]\d))?\s*([ap])\.?\s*m\.?\s*", str(value), re.IGNORECASE
    )
    if found is None or not 1 <= int(found[1]) <= 12:
        return None
    return f"{_from_twelve_hours(int(found[1]), found[3]):02d}:{found[2] or '00'}"


def _comma_decimal(value: object) -> bool:
    """Tell whether ``value`` is text of a number with a decimal comma, e.g. ``"60,1699"``."""
    return isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+,\d+\s*", value) is not None


def yaml_line(text: str, loc: tuple[Any, ...]) -> int | None:
    """Return the 1-based line of the value at ``loc`` in the YAML ``text``.

    None when the text cannot be composed or has no value there (a missing key).
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            inner = next((v for k, v in node.value if str(k.value) == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            inner = node.value[part] if 0 <= part < len(node.value) else None
        else:
            inner = None
        if inner is None:
            return None
        node = inner
    return node.start_mark.line + 1


def _section_of(model: type[BaseModel], key: str, here: str = "") -> str | None:
    """Return the one top-level section of ``model`` but ``here`` that has ``key``, if any."""
    homes = [
        section
        for section in model.model_fields
        if section != here and key in _known_keys(model, (section,))
    ]
    return homes[0] if len(homes) == 1 else None


def _known_keys(model: type[BaseModel], path: tuple[Any, ...]) -> list[str]:
    current: type[BaseModel] | None = model
    for part in path:
        if current is None or isinstance(part, int):
            continue
        field = current.model_fields.get(str(part))
        if field is None:
            return []
        annotation = field.annotation
        current = None
        for candidate in getattr(annotation, "__args__", (annotation,)):
            inner = getattr(candidate, "__args__", (candidate,))
            for item in inner:
                if isinstance(item, type) and issubclass(item, BaseModel):
                    current = item
    if current is None:
        return []
    return [name for name, f in current.model_fields.items() if not f.exclude]


def read_yaml(text: str, where: str) -> object:
    """Parse scenario YAML text (clock times such as 02:00 stay text).

    Raises
    ------
    ScenarioError
        With the line and column of a syntax error.
    """
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        fix = "" if isinstance(exc, _DuplicateKey) else "; fix the syntax"
        if "'\\t'" in str(getattr(exc, "problem", "")):
            fix = "; YAML takes no tab there (it indents with spaces): put spaces in its place"
        elif mark is not None and (
            hint := _indent_hint(str(getattr(exc, "problem", "")), text, mark)
        ):
            fix = f"; {hint}"
        opened = _opened_at(exc)
        msg = f"{where}: not valid YAML{line}: {getattr(exc, 'problem', exc)}{opened}{fix}"
        raise ScenarioError(msg) from None
    except ValueError as exc:  # a value YAML recognises but cannot build, e.g. 2026-02-30
        msg = f"{where}: {_unbuildable(text, exc)}"
        raise ScenarioError(msg) from None


def _indent_hint(problem: str, text: str, mark: yaml.Mark) -> str | None:
    """Say what the two errors an indentation slip gives mean, with the indents of the lines.

    A key indented less than the keys of its section, but more than the section's name, ends
    the section where YAML cannot; one indented more than the key above it reads as the rest
    of that key's value, where a second ``key:`` cannot be. Comment lines are not keys. None
    for another error, or where the indents do not explain it.
    """
    lines = text.splitlines()
    if not mark.line < len(lines):
        return None
    line = lines[mark.line]
    if problem == "mapping values are not allowed here" and ": " in line[: mark.column]:
        return "a value holding ': ' must be in quotes, e.g. name: \"Shift: late\""
    written = [k for k in range(mark.line) if _is_key_line(lines[k])]
    if not written:
        return None
    indent, indent_above = (_indent(lines[k]) for k in (mark.line, written[-1]))
    where = (
        f"line {mark.line + 1} is indented {counted(indent, 'space')} and the line above it "
        f"{indent_above}"
    )
    block = "<block mapping start>" in problem or "<block sequence start>" in problem
    if problem.startswith("expected <block end>") and block and indent != indent_above:
        if _first_key_is_odd(lines, written, mark.line):
            return (
                f"line {written[-1] + 1}, the first key of its section, is indented "
                f"{counted(indent_above, 'space')} and the keys after it {indent}: the keys (or "
                f"list items) of one section line up; indent line {written[-1] + 1} as they are"
            )
        return f"{where}: the keys (or list items) of one section line up; indent it as they are"
    if problem == "mapping values are not allowed here" and indent > indent_above:
        return (
            f"{where}: a key indented deeper than the key above it reads as part of that "
            "key's value; line it up with the keys of its section"
        )
    return None


#: A key of a mapping, and a section's name alone on its line (its keys below it).
_KEY = re.compile(r"^ *[\w.-]+ *:(\s|$)")
_SECTION = re.compile(r"^ *[\w.-]+ *: *(#.*)?$")


def _is_key_line(line: str) -> bool:
    return bool(line.strip()) and not line.lstrip().startswith("#")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _first_key_is_odd(lines: list[str], written: list[int], at: int) -> bool:
    """Whether the line above ``at`` is its section's first key, and later keys line up with ``at``.

    ``written`` are the key lines before ``at``. One key against several: the first is the slip.
    """
    if len(written) < 2:
        return False
    header, *keys = (lines[k] for k in (written[-2], written[-1], at))
    if not _SECTION.match(header) or not all(_KEY.match(line) for line in keys):
        return False  # list items, or the text of a block scalar: no section of keys
    parent, first, indent = (
        _indent(lines[written[-2]]),
        _indent(lines[written[-1]]),
        _indent(lines[at]),
    )
    if not parent < min(first, indent):
        return False
    for line in filter(_is_key_line, lines[at + 1 :]):
        if _indent(line) <= parent:
            return False
        if _indent(line) == indent:
            return True
    return False


_OPENERS = {"flow sequence": "[", "flow mapping": "{"}
"""Brackets whose opening YAML names when one is never closed."""


def _opened_at(exc: yaml.YAMLError) -> str:
    """Where the bracket or quote the error is inside was opened, when on an earlier line.

    YAML notices an unclosed ``[`` only where the text goes on; the mistake is where it opened.
    """
    context, mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem_mark", None)
    if not context or mark is None or problem is None or mark.line == problem.line:
        return ""
    what = next((f"the '{c}'" for name, c in _OPENERS.items() if name in context), None)
    if what is None and "quoted scalar" in context:
        what = "the quote"
    if what is None:
        return ""
    return f" (inside {what} opened at line {mark.line + 1}, column {mark.column + 1})"


def _unbuildable(text: str, exc: ValueError) -> str:
    """Say which scalar of ``text`` cannot be built (line, column, value) and why."""
    loader = _Loader(text)
    try:
        stack: list[yaml.Node] = [loader.get_single_node()]
        seen: set[int] = set()  # an alias may point back at its own anchor
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, yaml.MappingNode):
                stack.extend(part for pair in reversed(node.value) for part in reversed(pair))
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(reversed(node.value))
            elif isinstance(node, yaml.ScalarNode):
                try:
                    loader.construct_object(node)
                except ValueError as bad:
                    mark = node.start_mark
                    where = f"line {mark.line + 1}, column {mark.column + 1}"
                    if node.tag.endswith(":timestamp"):
                        why = _no_such_day(node.value) or bad
                        return (
                            f"{where}: {node.value!r} is not a real date ({why}); give a date "
                            "that exists, as YYYY-MM-DD"
                        )
                    return f"{where}: {node.value!r} cannot be read ({bad}); quote it as text"
    finally:
        loader.dispose()
    return f"a value cannot be read ({exc}); check the dates (YYYY-MM-DD)"
