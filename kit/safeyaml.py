"""Strict YAML for the files users write: parameters, column maps, survey instruments.

PyYAML's safe loading builds no Python objects, but it still accepts three things that turn a
small, careless or hostile file into a wrong or endless run:

- anchors and aliases (``&a`` / ``*a``): a 1 KB "billion laughs" file expands to billions of
  nodes as soon as anything walks or prints it;
- duplicate keys: the last one silently wins;
- ``.nan`` and ``.inf``: numbers that pass every ``>=`` check the wrong way.

:func:`load` refuses all three with a :class:`YamlError` that names the file and the line.
It imports only :mod:`kit.errors` (a leaf), so that any layer may use it.

Examples
--------
>>> load("min_n: 5\\nlang: en")
{'min_n': 5, 'lang': 'en'}
>>> load("a: 1\\na: 2", source="p.yaml")
Traceback (most recent call last):
...
kit.safeyaml.YamlError: p.yaml, line 2: the key 'a' is given twice (first on line 1); keep one.
"""

from __future__ import annotations

import math
import reprlib
from typing import Any

import yaml

from kit.errors import EXIT_USAGE, KitError

__all__ = ["YamlError", "load", "show"]

#: the largest file read (parameter files, column maps and instruments are a few KB)
MAX_BYTES = 1_000_000

_REPR = reprlib.Repr()
_REPR.maxstring = 60
_REPR.maxother = 60
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 6
_REPR.maxlevel = 2


def show(value: Any) -> str:
    """``repr(value)``, shortened to a few dozen characters, for messages about any value.

    Examples
    --------
    >>> show(list(range(100)))
    '[0, 1, 2, 3, 4, 5, ...]'
    """
    return _REPR.repr(value)


class YamlError(KitError, ValueError, exit_code=EXIT_USAGE):
    """A YAML file (or ``--set`` value) that the kit will not read; the message says where and why."""


class _StrictLoader(yaml.SafeLoader):
    source = "<text>"

    def _where(self, mark) -> str:
        return f"{self.source}, line {mark.line + 1}" if mark is not None else self.source

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise YamlError(f"{self._where(event.start_mark)}: aliases (*{event.anchor}) are not allowed; "
                            f"write the value out in full.")
        event = self.peek_event()
        if getattr(event, "anchor", None):
            raise YamlError(f"{self._where(event.start_mark)}: anchors (&{event.anchor}) are not allowed; "
                            f"write each value out in full.")
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise YamlError(f"{self._where(key_node.start_mark)}: merge keys (<<) are not allowed.")
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:
                continue  # an unhashable key: PyYAML's own error follows
            if first is not None:
                raise YamlError(f"{self._where(key_node.start_mark)}: the key {show(key)} is given twice "
                                f"(first on line {first.line + 1}); keep one.")
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_float(self, node):
        value = super().construct_yaml_float(node)
        if not math.isfinite(value):
            raise YamlError(f"{self._where(node.start_mark)}: {node.value!r} is not a finite number; "
                            f"give a number.")
        return value


_StrictLoader.add_constructor("tag:yaml.org,2002:float", _StrictLoader.construct_yaml_float)


def load(text: str, *, source: str = "<text>") -> Any:
    """Parse ``text`` as YAML, refusing aliases, anchors, merge keys, duplicate keys, NaN and inf.

    Parameters
    ----------
    text : str
        The YAML document (at most :data:`MAX_BYTES` characters).
    source : str
        What to call the text in messages (a file path, ``--set min_n=``).

    Returns
    -------
    Any
        The document (``None`` for an empty one).

    Raises
    ------
    YamlError
        Naming ``source``, the line and what to change; PyYAML's syntax errors come as a
        YamlError too.

    Examples
    --------
    >>> load("kpi: {callback_hours: .nan}", source="q.yaml")
    Traceback (most recent call last):
    ...
    kit.safeyaml.YamlError: q.yaml, line 1: '.nan' is not a finite number; give a number.
    """
    if len(text) > MAX_BYTES:
        raise YamlError(f"{source}: {len(text):,} characters; files the kit reads as YAML are at most "
                        f"{MAX_BYTES:,}. Is this the right file?")
    loader = _StrictLoader(text)
    loader.source = source
    try:
        return loader.get_single_data()
    except YamlError:
        raise
    except yaml.YAMLError as exc:
        raise YamlError(f"{source} is not valid YAML: {exc}") from None
    finally:
        loader.dispose()
