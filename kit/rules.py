"""The data contract's row checks as Ibis predicates, with their reasons in words.

Generated from :mod:`kit.schema`: each pandera column's checks (``ge``, ``le``, ``isin``,
``str_matches``, not nullable), the cross-column :data:`kit.schema.ROW_RULES`, the instrument's
item scale, and the references between tables. :mod:`kit.validation` counts and applies them.
"""

from __future__ import annotations

import re
from typing import Any

from kit import schema as S
from kit.instrument import Instrument

__all__ = ["REFERENCES", "RowView", "column_rules", "describe_check", "listed_columns", "table_rules"]


def listed_columns(table: str) -> set[str]:
    """Columns whose check lists the allowed values, none of them with white space at an end.

    Returns
    -------
    set of str
        Column names of ``table``.

    Examples
    --------
    >>> sorted(listed_columns("interactions"))
    ['channel', 'initiated_by', 'kind']
    """
    out = set()
    for name, col in S.MODELS[table].to_schema().columns.items():
        for check in col.checks:
            allowed = (check.statistics or {}).get("allowed_values") if check.name == "isin" else None
            if allowed and all(isinstance(v, str) and v == v.strip() and v for v in allowed):
                out.add(name)
    return out


class RowView:
    """The typed values of a table as ``t[column]``, for the row checks (which index a table)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __getitem__(self, column: str) -> Any:
        return self._values[column]


#: per table, its references: ``(column, target in words, parent table, parent key)``, parents first
REFERENCES: dict[str, list[tuple[str, str, str, str]]] = {
    "customers": [("owner_rep_id", "rep", "reps", "rep_id")],
    "interactions": [("customer_id", "customer", "customers", "customer_id"), ("rep_id", "rep", "reps", "rep_id")],
    "surveys": [("customer_id", "customer", "customers", "customer_id"), ("rep_id", "rep", "reps", "rep_id"),
                ("interaction_id", "interaction", "interactions", "interaction_id")],
    "deals": [("customer_id", "customer", "customers", "customer_id"), ("rep_id", "rep", "reps", "rep_id")],
    "quotas": [("rep_id", "rep", "reps", "rep_id")],
}


def describe_check(check: str) -> str:
    """A pandera check's name in words (``greater_than_or_equal_to(1)`` -> ``must be at least 1``)."""
    m = re.match(r"(\w+)\((.*)\)$", str(check))
    name, arg = (m.group(1), m.group(2)) if m else (str(check), "")
    return {
        "greater_than_or_equal_to": f"must be at least {arg}",
        "greater_than": f"must be above {arg}",
        "less_than_or_equal_to": f"must be at most {arg}",
        "less_than": f"must be below {arg}",
        "in_range": f"must be in {arg}",
        "isin": f"must be one of {arg.strip('[]')}",
        "str_matches": "is not in the expected form",
        "not_nullable": "is empty; a value is required",
    }.get(name, str(check))


def column_rules(table: str, instrument: Instrument) -> list[tuple[str, str, Any]]:
    """``(column, reason, failing(t))`` for every column check of the contract."""
    import pandera.pandas as pa

    schema = S.MODELS[table].to_schema()
    specs = [(name, col.nullable, list(col.checks)) for name, col in schema.columns.items()]
    if table == "surveys":
        check = pa.Check.in_range(instrument.scale_min, instrument.scale_max)
        specs += [(c, True, [check]) for c in instrument.columns]
    rules = []
    for name, nullable, checks in specs:
        if not nullable:
            rules.append((name, f"{name} {describe_check('not_nullable')}", lambda t, c=name: t[c].isnull()))
        for check in checks:
            st = check.statistics or {}
            kind = check.name
            if kind == "greater_than_or_equal_to":
                fail = lambda t, c=name, v=st["min_value"]: t[c] < v  # noqa: E731
            elif kind == "greater_than":
                fail = lambda t, c=name, v=st["min_value"]: t[c] <= v  # noqa: E731
            elif kind == "less_than_or_equal_to":
                fail = lambda t, c=name, v=st["max_value"]: t[c] > v  # noqa: E731
            elif kind == "less_than":
                fail = lambda t, c=name, v=st["max_value"]: t[c] >= v  # noqa: E731
            elif kind == "in_range":
                fail = lambda t, c=name, lo=st["min_value"], hi=st["max_value"]: (t[c] < lo) | (t[c] > hi)  # noqa: E731
            elif kind == "isin":
                fail = lambda t, c=name, v=list(st["allowed_values"]): ~t[c].isin(v)  # noqa: E731
            elif kind == "str_matches":
                fail = lambda t, c=name, p=st["pattern"]: ~t[c].re_search(str(getattr(p, "pattern", p)))  # noqa: E731
            else:  # pragma: no cover - a check the contract does not use
                raise NotImplementedError(f"{table}.{name}: check {kind} has no engine form")
            text = re.sub(r"^<Check \w+: (.*)>$", r"\1", str(check))
            rules.append((name, f"{name} {describe_check(text)}", fail))
    return rules


def table_rules(table: str, instrument: Instrument) -> list[tuple[str, str, Any]]:
    """``(column, reason, failing(t))``: the column checks, then the table's cross-column rules.

    Returns
    -------
    list of tuple
        ``column`` the rule is about, ``reason`` in words (the quarantine's text) and
        ``failing``, a function of a table (anything indexed by column) giving the Ibis
        condition that the row fails.

    Examples
    --------
    >>> from kit.instrument import load_instrument
    >>> rules = table_rules("deals", load_instrument(None))
    >>> [reason for _, reason, _ in rules][-1]
    'won or lost without closed_at'
    """
    rules = list(column_rules(table, instrument))
    rules += [(col, name, fail) for name, (col, fail) in S.ROW_RULES.get(table, {}).items()]
    return rules
