"""Scenario text: YAML that keeps clock times as text, and validation errors as readable lines.

The scenario model lives in :mod:`planner.scenario`; this module turns YAML syntax errors into a
line and column, and pydantic errors into ``field: what is wrong`` lines (with the known keys
and a close match for a mistyped one).
"""

from __future__ import annotations

import difflib
import re
from typing import Any

import yaml
from pydantic import BaseModel

from planner.errors import ScenarioError


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


def describe(err: dict[str, Any], model: type[BaseModel]) -> str:
    """Return one pydantic error as a line: the field, what is wrong, the fix when known."""
    loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
    if err["type"] == "extra_forbidden":
        known = _known_keys(model, err["loc"][:-1])
        guess = difflib.get_close_matches(str(err["loc"][-1]), known, n=1)
        hint = f"did you mean '{guess[0]}'? " if guess else ""
        return f"{loc}: unknown key; {hint}known keys here: {', '.join(sorted(known))}"
    if err["type"] == "missing":
        return f"{loc}: required but missing; add it"
    got = err.get("input")
    got_text = f" (got {got!r})" if not isinstance(got, dict | list) else ""
    what = str(err["msg"]).removeprefix("Value error, ")  # our validators' own sentences
    return f"{loc}: {what}{got_text}"


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
        msg = f"{where}: not valid YAML{line}: {getattr(exc, 'problem', exc)}{fix}"
        raise ScenarioError(msg) from None
    except ValueError as exc:  # a value YAML recognises but cannot build, e.g. 2026-02-30
        msg = f"{where}: {_unbuildable(text, exc)}"
        raise ScenarioError(msg) from None


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
                        return (
                            f"{where}: {node.value!r} is not a real date ({bad}); give a date "
                            "that exists, as YYYY-MM-DD"
                        )
                    return f"{where}: {node.value!r} cannot be read ({bad}); quote it as text"
    finally:
        loader.dispose()
    return f"a value cannot be read ({exc}); check the dates (YYYY-MM-DD)"
