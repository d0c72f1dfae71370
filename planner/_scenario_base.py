"""The strict pydantic base of every scenario section: no unknown keys, no loosely read kinds."""

from __future__ import annotations

import datetime as dt
import re
import types
import typing

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _strict_kinds(cls, value: object, info: ValidationInfo) -> object:
        """Refuse ``true``/``false`` for a number and a number for a clock time; read 2:00.

        Pydantic would read ``count: true`` as 1 and ``start: 1800`` (unquoted) as 00:30, the
        1800th second of the day; neither is what the writer meant. Pydantic would refuse
        ``2:00`` (one digit for the hour): it is read as 02:00; and an ``end`` of ``24:00``:
        it is read as 00:00, the end of the day.
        """
        kinds = _kinds(cls.model_fields[str(info.field_name)].annotation)
        if isinstance(value, bool) and bool not in kinds:
            msg = f"true/false is not a value for this key; give {_kind_text(kinds)}"
            raise ValueError(msg)
        if isinstance(value, int | float) and not isinstance(value, bool) and dt.time in kinds:
            example = _clock_text(value)
            msg = f"write the clock time as quoted text, e.g. {example}, not the number {value}"
            raise ValueError(msg)
        if (
            isinstance(value, str)
            and dt.time in kinds
            and (said := _offset_said(value, str(info.field_name)))
        ):
            raise ValueError(said)
        if (
            isinstance(value, str)
            and dt.time in kinds
            and re.fullmatch(r"\d:[0-5]\d(:[0-5]\d)?", value)
        ):
            return "0" + value  # 2:00 is 02:00
        if info.field_name == "end" and value in ("24:00", "24:00:00"):
            return "00:00"  # the end of the day; an end before the start runs past midnight
        return value


def _offset_said(text: str, key: str) -> str | None:
    """Say how to write a clock time written with a UTC offset, which pydantic would take.

    A ``start`` of ``18:00-02:00`` is more likely a shift's span than 18:00 at two hours
    behind UTC: the message says how to write the span. None when the text has no offset.
    """
    found = re.fullmatch(
        r"\s*(\d{1,2}:[0-5]\d(?::[0-5]\d)?)\s*(Z|[+-]\s*\d{1,2}(?::?[0-5]\d)?)\s*", text, re.I
    )
    if found is None:
        return None
    said = (
        f'write the clock time without a UTC offset, "{found[1]}" (shift.timezone names the clock)'
    )
    span = re.fullmatch(r"-\s*(\d{1,2}):?([0-5]\d)", found[2])
    if key == "start" and span:
        end = f"{int(span[1]):02d}:{span[2]}"
        said += f'; a shift from {found[1]} to {end} is start: "{found[1]}", end: "{end}"'
    return said


def _clock_text(value: float) -> str:
    """Return the quoted clock time a number written as hours and minutes means (1800: "18:00").

    A number below 24 is an hour alone (18: "18:00"); other numbers get the example "18:00".
    """
    if isinstance(value, int) and 0 <= value < 24:
        return f'"{value:02d}:00"'
    if value in (24, 2400):
        return '"24:00"'  # the end of the day, as an end may be written
    if isinstance(value, int) and 0 <= value <= 2359 and value % 100 < 60:
        return f'"{value // 100:02d}:{value % 100:02d}"'
    return '"18:00"'


def _kinds(annotation: object) -> set[object]:
    """Return the types an annotation admits (unions unwrapped)."""
    args = typing.get_args(annotation)
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return {kind for arg in args for kind in _kinds(arg)}
    if typing.get_origin(annotation) is typing.Annotated:
        return _kinds(args[0])
    return {annotation}


def _kind_text(kinds: set[object]) -> str:
    if dt.time in kinds:
        return 'a clock time such as "18:00"'
    if kinds & {int, float}:
        return "a number"
    return "a value of the kind shown in the example scenario"
