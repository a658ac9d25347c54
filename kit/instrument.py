"""The survey instrument: its Likert scale and items (``parameters/instrument.yaml``).

The instrument lists each item: its column, its satisfaction dimension, whether it is
reverse-keyed, optional tags (such as ``needs_understood``) and its wording in zh and en.
This module reads and checks it (strict YAML); it imports only the kit's errors, its
safe YAML reader and its project folders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kit.errors import EXIT_USAGE, KitError

__all__ = ["InstrumentError", "Item", "Instrument", "load_instrument", "default_instrument_path"]

_ITEM_KEYS = {"column", "dimension", "reverse", "tags", "text"}


class InstrumentError(KitError, ValueError, exit_code=EXIT_USAGE):
    """The instrument file cannot be used; the message names the item and the key."""


@dataclass(frozen=True)
class Item:
    """One survey item."""

    column: str
    dimension: str
    reverse: bool = False
    tags: tuple[str, ...] = ()
    text: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Instrument:
    """The survey instrument: a Likert scale and its items."""

    scale_min: int
    scale_max: int
    items: tuple[Item, ...]
    path: str | None = field(default=None, compare=False)
    #: extra comment terms per dimension (``lexicon: {dimension: {zh: [...], en: [...]}}``),
    #: added to the kit's lexicon by :func:`kit.analysis.comment_themes`
    lexicon: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict, compare=False, hash=False)

    @property
    def columns(self) -> list[str]:
        """Item columns, in file order."""
        return [i.column for i in self.items]

    @property
    def dimensions(self) -> list[str]:
        """Dimensions, in order of first appearance."""
        return list(dict.fromkeys(i.dimension for i in self.items))

    def items_of(self, dimension: str) -> list[Item]:
        """The items of one dimension."""
        if dimension not in self.dimensions:
            raise KeyError(
                f"dimension={dimension!r} is not in the instrument; its dimensions are "
                + ", ".join(self.dimensions)
            )
        return [i for i in self.items if i.dimension == dimension]

    def tagged(self, tag: str) -> list[Item]:
        """The items carrying a tag (for example ``needs_understood``)."""
        return [i for i in self.items if tag in i.tags]

    def reflect(self, answers: pd.DataFrame) -> pd.DataFrame:
        """Item answers with reverse-keyed items reflected (``min + max - answer``)."""
        out = answers.copy()
        for item in self.items:
            if item.reverse and item.column in out:
                out[item.column] = self.scale_min + self.scale_max - out[item.column]
        return out

    def to_dict(self) -> dict[str, Any]:
        """The instrument as plain data (the shape of the YAML file)."""
        extra = ({"lexicon": {d: {k: list(v) for k, v in t.items()} for d, t in self.lexicon.items()}}
                 if self.lexicon else {})
        return {
            **extra,
            "scale": {"min": self.scale_min, "max": self.scale_max},
            "items": [
                {"column": i.column, "dimension": i.dimension, "reverse": i.reverse,
                 "tags": list(i.tags), "text": dict(i.text)}
                for i in self.items
            ],
        }

    @classmethod
    def from_dict(cls, spec: Any, path: str | None = None) -> Instrument:
        """Build and check an instrument from the YAML structure."""
        where = path or "the instrument"
        if not isinstance(spec, dict):
            raise InstrumentError(f"{where}: expected a mapping with 'scale' and 'items'.")
        unknown = set(spec) - {"scale", "items", "lexicon"}
        if unknown:
            raise InstrumentError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: scale, items, lexicon.")
        lexicon = _lexicon(spec.get("lexicon"), where)
        scale = spec.get("scale") or {}
        try:
            lo, hi = int(scale["min"]), int(scale["max"])
        except (KeyError, TypeError, ValueError):
            raise InstrumentError(
                f"{where}: 'scale' must give whole numbers 'min' and 'max', like {{min: 1, max: 5}}; "
                f"got {scale!r}."
            ) from None
        if hi <= lo:
            raise InstrumentError(f"{where}: scale max ({hi}) must be above min ({lo}).")
        raw_items = spec.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            raise InstrumentError(f"{where}: 'items' must be a non-empty list of items.")
        items: list[Item] = []
        for k, raw in enumerate(raw_items, start=1):
            if not isinstance(raw, dict):
                raise InstrumentError(f"{where}: item {k} must be a mapping; got {raw!r}.")
            bad = set(raw) - _ITEM_KEYS
            if bad:
                raise InstrumentError(
                    f"{where}: item {k} has unknown key(s) {sorted(bad)}; allowed: {sorted(_ITEM_KEYS)}."
                )
            for key in ("column", "dimension"):
                if not isinstance(raw.get(key), str) or not raw[key].strip():
                    raise InstrumentError(f"{where}: item {k} needs a text '{key}'.")
            reverse = raw.get("reverse", False)
            if not isinstance(reverse, bool):
                raise InstrumentError(
                    f"{where}: item {raw['column']!r}: 'reverse' must be true or false; got {reverse!r}."
                )
            tags = raw.get("tags") or []
            if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
                raise InstrumentError(f"{where}: item {raw['column']!r}: 'tags' must be a list of words.")
            text = raw.get("text") or {}
            if not isinstance(text, dict):
                raise InstrumentError(f"{where}: item {raw['column']!r}: 'text' must map languages to wording.")
            items.append(Item(raw["column"].strip(), raw["dimension"].strip(), reverse, tuple(tags),
                              {str(a): str(b) for a, b in text.items()}))
        columns = [i.column for i in items]
        dupes = sorted({c for c in columns if columns.count(c) > 1})
        if dupes:
            raise InstrumentError(f"{where}: item column(s) listed twice: {dupes}.")
        return cls(lo, hi, tuple(items), path, lexicon)


def _lexicon(raw: Any, where: str) -> dict[str, dict[str, tuple[str, ...]]]:
    """The instrument's ``lexicon``: dimension -> {zh: [terms], en: [terms]} (or a list of terms)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InstrumentError(f"{where}: 'lexicon' must map dimensions to terms, like "
                              f"{{responsiveness: {{zh: [工单], en: [ticket*]}}}}; got {raw!r}.")
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for dim, terms in raw.items():
        if isinstance(terms, list):
            terms = {"zh": terms}
        ok = isinstance(terms, dict) and set(terms) <= {"zh", "en"} and all(
            isinstance(v, list) and all(isinstance(t, str) and t.strip() for t in v) for v in terms.values())
        if not ok:
            raise InstrumentError(f"{where}: lexicon of {dim!r} must be a list of terms or {{zh: [...], en: [...]}}; "
                                  f"got {terms!r}.")
        out[str(dim)] = {lang: tuple(t.strip() for t in v) for lang, v in terms.items()}
    return out


def default_instrument_path() -> Path:
    """``parameters/instrument.yaml`` of the kit's project folder (:func:`kit.config.project`)."""
    from kit.config import project

    return project().instrument


def load_instrument(path: str | Path | None = None) -> Instrument:
    """Read an instrument YAML file (safe loading); the default is ``parameters/instrument.yaml``."""
    p = Path(path) if path is not None else default_instrument_path()
    if not p.is_file():
        raise InstrumentError(f"Instrument file not found: {p}.")
    from kit.safeyaml import YamlError
    from kit.safeyaml import load as load_yaml

    try:
        spec = load_yaml(p.read_text(encoding="utf-8-sig"), source=str(p))
    except YamlError as exc:
        raise InstrumentError(str(exc)) from None
    return Instrument.from_dict(spec, str(p))
