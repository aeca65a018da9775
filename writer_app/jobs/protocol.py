"""The training processes' protocol: one JSON object per line on stdout.

`encode(event)` is the only writer of a line and `decode(line, kinds)` the only reader.
A line that is not a JSON object with a string "event" is `NotAnEventError` (libraries print
on stdout too: the runner keeps such lines for the log); an object of a kind the process
does not send is `UnknownEventError`; one whose fields are missing or of the wrong type is
`MalformedEventError`. Fields the event does not declare are ignored, so a newer process can
add some. `Stopped` is what a process raises inside itself when SIGINT or SIGTERM (the
runner's Cancel) asks it to stop.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any

from writer_app.jobs.events import TRAINING_EVENTS, Event


class Stopped(Exception):  # noqa: N818 - a signal, not an error
    """SIGINT or SIGTERM asked the training process to stop (raised inside it)."""


class LineError(ValueError):
    """A line that is not a usable event; the message says why."""


class NotAnEventError(LineError):
    """Not a JSON object with a string "event": ordinary output."""


class UnknownEventError(LineError):
    """An event of a kind this process does not send."""


class MalformedEventError(LineError):
    """A known kind with missing fields or fields of the wrong type."""


# --- writing ------------------------------------------------------------------------------


def encode(event: Event) -> str:
    """`event` as one JSON line (without the line end)."""
    return _line(event.kind, _fields(event))


def print_event(event: Event | str, /, **fields: Any) -> None:
    """Write one event line on stdout at once (the parent reads it as it happens): a
    typed event, or a kind and its fields for the developer tools' own training loops
    (training/grammar.py, tagger_training.py), which no app process reads."""
    line = encode(event) if isinstance(event, Event) else _line(event, fields)
    print(line, flush=True)


def _line(kind: str, fields: Mapping[str, Any]) -> str:
    return json.dumps({"event": kind, **fields}, ensure_ascii=False)


def as_dict(event: Event) -> dict[str, Any]:
    """The event as its line holds it: {"event": kind, **fields}."""
    return json.loads(encode(event))


def _fields(value: Any) -> dict[str, Any]:
    out = {}
    for field in dataclasses.fields(value):
        item = getattr(value, field.name)
        if item is None and field.default is None:
            continue  # an optional field left out
        out[field.name] = _plain(item)
    return out


def _plain(item: Any) -> Any:
    if dataclasses.is_dataclass(item):
        return _fields(item)
    if isinstance(item, tuple | list):
        return [_plain(part) for part in item]
    return item


# --- reading ------------------------------------------------------------------------------


def decode(line: str, kinds: Mapping[str, type[Event]] = TRAINING_EVENTS) -> Event:
    """The typed event on `line`, from the process whose event classes are `kinds`
    (events.TRAINING_EVENTS or GRAMMAR_EVENTS); raises a LineError subclass otherwise."""
    try:
        data = json.loads(line)
    except ValueError:
        raise NotAnEventError("not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("event"), str):
        raise NotAnEventError("not an event object")
    cls = kinds.get(data["event"])
    if cls is None:
        raise UnknownEventError(f"unknown event {data['event']!r}")
    try:
        return _build(cls, data)
    except (TypeError, ValueError) as exc:
        raise MalformedEventError(f"malformed {data['event']!r} event: {exc}") from None


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _build(cls: type, data: Mapping[str, Any]) -> Any:
    if not isinstance(data, Mapping):
        raise TypeError(f"{cls.__name__} must be an object")
    hints = _hints(cls)
    values = {}
    for field in dataclasses.fields(cls):
        if field.name in data:
            values[field.name] = _convert(hints[field.name], data[field.name], field.name)
        elif field.default is dataclasses.MISSING:
            raise TypeError(f"{field.name!r} is missing")
    return cls(**values)


def _convert(hint: Any, value: Any, name: str) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):  # X | None
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _convert(inner, value, name)
    if origin is tuple:
        if not isinstance(value, list):
            raise TypeError(f"{name!r} must be a list")
        return tuple(_convert(args[0], part, name) for part in value)
    if origin is dict or hint is dict:
        if not isinstance(value, dict):
            raise TypeError(f"{name!r} must be an object")
        return value
    if dataclasses.is_dataclass(hint):
        return _build(hint, value)
    if hint is bool:
        if not isinstance(value, bool):
            raise TypeError(f"{name!r} must be true or false")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name!r} must be an integer")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"{name!r} must be a number")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise TypeError(f"{name!r} must be a string")
        return value
    raise TypeError(f"{name!r} has a type the protocol cannot read: {hint!r}")
