"""The data contract: the tables the kit reads, their columns, types and rules.

Each table is a pandera model below; read them as the documentation of the data. A source
(folder, DuckDB file, SQL database) must provide each required table with the required
columns; optional columns may be absent (they are then empty). Extra columns are ignored
and never carried into results.

Two kinds of problem are told apart:

* **schema problems** (a missing table or column, a value that is not of the column's type,
  an unparseable timestamp) stop loading: :class:`SchemaError` lists every one of them at once;
* **row problems** (a duplicate id, a value out of range, ``resolved_at`` before
  ``opened_at``, a reference to an unknown rep or customer, an unknown category) put the row
  in quarantine with the reason, and the other rows load.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import pandas as pd

# pandera registers its pyspark.pandas types whenever pyspark is installed, which imports
# pyspark.pandas (half a second, and a FutureWarning about pandas 3) in every process that
# loads data, Spark or not. The contract is pandas-only: while pandera sets itself up, pyspark
# is hidden, unless the process already uses it. (pandera's other backends are unaffected.)
_HIDE_PYSPARK = "pyspark" not in sys.modules
if _HIDE_PYSPARK:
    sys.modules["pyspark"] = None  # type: ignore[assignment]  # "import pyspark" raises ImportError
try:
    import pandera.pandas as pa
    from pandera.typing import Series, get_dataframe_types, get_index_types, get_series_types

    get_dataframe_types(), get_series_types(), get_index_types()  # cached without pyspark
finally:
    if _HIDE_PYSPARK and sys.modules.get("pyspark", 0) is None:
        del sys.modules["pyspark"]

from kit.errors import EXIT_QUALITY, EXIT_SCHEMA, KitError  # noqa: E402  (after the pyspark guard)
from kit.periods import QUARTER_LABEL  # noqa: E402  (after the pyspark guard)

__all__ = [
    "CHANNELS",
    "KINDS",
    "CUSTOMER_RAISED_KINDS",
    "INITIATED_BY",
    "STAGES",
    "TABLES",
    "OPTIONAL_TABLES",
    "ID_COLUMNS",
    "SchemaError",
    "DataQualityError",
    "QuarantineWarning",
    "Problem",
    "Reps",
    "Customers",
    "Interactions",
    "Surveys",
    "Deals",
    "Quotas",
    "MODELS",
    "ROW_RULES",
    "column_types",
    "required_columns",
    "describe",
]

CHANNELS = ("email", "phone", "chat", "visit", "meeting")
KINDS = ("inquiry", "complaint", "request", "followup", "proactive")
CUSTOMER_RAISED_KINDS = ("complaint", "inquiry", "request")
INITIATED_BY = ("customer", "rep")
STAGES = ("open", "won", "lost")

TABLES = ("reps", "customers", "interactions", "surveys", "deals", "quotas")
OPTIONAL_TABLES = ("quotas",)
ID_COLUMNS = {
    "reps": "rep_id",
    "customers": "customer_id",
    "interactions": "interaction_id",
    "surveys": "response_id",
    "deals": "deal_id",
    "quotas": None,
}


@dataclass
class Problem:
    """One schema problem: where it is and what was expected."""

    table: str
    column: str | None
    message: str
    rows: list[int] = field(default_factory=list)
    file: str | None = None

    def __str__(self) -> str:
        where = self.file or self.table
        col = f", column '{self.column}'" if self.column else ""
        rows = ""
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:5])
            more = f" and {len(self.rows) - 5} more" if len(self.rows) > 5 else ""
            rows = f" (row{'s' if len(self.rows) > 1 else ''} {shown}{more})"
        return f"{where}{col}: {self.message}{rows}"


class SchemaError(KitError, exit_code=EXIT_SCHEMA):
    """The source cannot be used: every problem found is listed in the message."""

    def __init__(self, problems: list[Problem] | str, source: str | None = None):
        if isinstance(problems, str):
            problems = [Problem(table="", column=None, message=problems)]
        self.problems = list(problems)
        self.source = source
        head = f"The data in {source} cannot be used" if source else "The data cannot be used"
        lines = [f"{head}: {len(self.problems)} problem(s)."]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class QuarantineWarning(UserWarning):
    """Some rows were set aside in ``data.quarantine`` (the rest loaded)."""


class DataQualityError(KitError, exit_code=EXIT_QUALITY):
    """Too many rows of a table had to be set aside: loading stopped."""


#: Rules across columns, per table: ``name -> (column, failing)``. ``failing(t)`` selects the rows
#: that break the rule; it is written with operators that pandas and Ibis share, so the same rule
#: checks a DataFrame (the pandera models below) and an engine table (:mod:`kit.validation`).
#: A missing value never breaks a rule.
ROW_RULES: dict = {
    "interactions": {
        "first_response_at before opened_at": ("first_response_at", lambda t: t["first_response_at"] < t["opened_at"]),
        "resolved_at before opened_at": ("resolved_at", lambda t: t["resolved_at"] < t["opened_at"]),
    },
    "deals": {
        "closed_at before created_at": ("closed_at", lambda t: t["closed_at"] < t["created_at"]),
        "won or lost without closed_at": ("closed_at",
                                          lambda t: t["stage"].isin(["won", "lost"]) & t["closed_at"].isnull()),
    },
}


def _passes(table: str, rule: str, df: pd.DataFrame) -> Series[bool]:
    return ~ROW_RULES[table][rule][1](df).fillna(False)


def _opt(description: str, **kw) -> dict:
    return {"description": description, "metadata": {"optional": True}, **kw}


def _req(description: str, **kw) -> dict:
    return {"description": description, **kw}


class _Contract(pa.DataFrameModel):
    class Config:
        strict = False  # extra columns are dropped by the loader, not here
        coerce = False


class Reps(_Contract):
    """Sales reps: one row per rep."""

    rep_id: Series[pd.StringDtype] = pa.Field(**_req("the rep's id (text, unique)"))
    rep_name: Series[pd.StringDtype] = pa.Field(nullable=True, **_req("the rep's name"))
    team: Series[pd.StringDtype] = pa.Field(nullable=True, **_opt("the rep's team"))
    region: Series[pd.StringDtype] = pa.Field(nullable=True, **_opt("the rep's region"))
    hire_date: Series[pd.Timestamp] = pa.Field(nullable=True, **_opt("date the rep was hired"))
    active: Series[pd.BooleanDtype] = pa.Field(nullable=True, **_opt("whether the rep is active (true/false)"))


class Customers(_Contract):
    """Customers: one row per customer, with the rep who owns the account."""

    customer_id: Series[pd.StringDtype] = pa.Field(**_req("the customer's id (text, unique)"))
    segment: Series[pd.StringDtype] = pa.Field(nullable=True, **_opt("customer segment"))
    region: Series[pd.StringDtype] = pa.Field(nullable=True, **_opt("customer region"))
    owner_rep_id: Series[pd.StringDtype] = pa.Field(nullable=True, **_req("the rep who owns the account (a rep_id)"))
    since: Series[pd.Timestamp] = pa.Field(nullable=True, **_opt("date the customer relationship started"))


class Interactions(_Contract):
    """Contacts between reps and customers (CRM activities and helpdesk tickets)."""

    interaction_id: Series[pd.StringDtype] = pa.Field(**_req("the interaction's id (text, unique)"))
    customer_id: Series[pd.StringDtype] = pa.Field(**_req("the customer (a customer_id)"))
    rep_id: Series[pd.StringDtype] = pa.Field(**_req("the rep who handled it (a rep_id)"))
    channel: Series[pd.StringDtype] = pa.Field(isin=list(CHANNELS), **_req("one of " + ", ".join(CHANNELS)))
    kind: Series[pd.StringDtype] = pa.Field(isin=list(KINDS), **_req("one of " + ", ".join(KINDS)))
    initiated_by: Series[pd.StringDtype] = pa.Field(
        isin=list(INITIATED_BY), nullable=True, **_opt("who opened it: customer or rep")
    )
    opened_at: Series[pd.Timestamp] = pa.Field(**_req("when the contact was opened (timestamp)"))
    first_response_at: Series[pd.Timestamp] = pa.Field(
        nullable=True, **_opt("the rep's first reply (timestamp, empty if none)")
    )
    resolved_at: Series[pd.Timestamp] = pa.Field(nullable=True,
                                                 **_opt("when it was resolved (timestamp, empty if not)"))
    contacts: Series[pd.Int64Dtype] = pa.Field(ge=1, nullable=True, **_opt("contacts needed (whole number >= 1)"))
    reopened: Series[pd.BooleanDtype] = pa.Field(nullable=True, **_opt("whether it was reopened (true/false)"))
    sla_hours: Series[pd.Float64Dtype] = pa.Field(
        gt=0, nullable=True, **_opt("the SLA in hours (empty: the default for its kind)")
    )

    @pa.dataframe_check(name="first_response_at before opened_at")
    def _first_response_after_open(cls, df: pd.DataFrame) -> Series[bool]:
        return _passes("interactions", "first_response_at before opened_at", df)

    @pa.dataframe_check(name="resolved_at before opened_at")
    def _resolved_after_open(cls, df: pd.DataFrame) -> Series[bool]:
        return _passes("interactions", "resolved_at before opened_at", df)


class Surveys(_Contract):
    """Survey responses. One column per instrument item is added from the instrument."""

    response_id: Series[pd.StringDtype] = pa.Field(**_req("the response's id (text, unique)"))
    customer_id: Series[pd.StringDtype] = pa.Field(**_req("the responding customer (a customer_id)"))
    rep_id: Series[pd.StringDtype] = pa.Field(
        nullable=True, **_opt("the rep (empty: credited through interaction_id, else the owner)")
    )
    interaction_id: Series[pd.StringDtype] = pa.Field(nullable=True, **_opt("the interaction surveyed"))
    submitted_at: Series[pd.Timestamp] = pa.Field(**_req("when the response was submitted (timestamp)"))
    csat: Series[pd.Int64Dtype] = pa.Field(ge=1, le=5, **_req("overall satisfaction (whole number 1-5)"))
    nps: Series[pd.Int64Dtype] = pa.Field(ge=0, le=10, nullable=True, **_opt("likelihood to recommend (0-10)"))
    comment: Series[pd.StringDtype] = pa.Field(nullable=True, **_opt("free-text comment"))


class Deals(_Contract):
    """Sales opportunities."""

    deal_id: Series[pd.StringDtype] = pa.Field(**_req("the deal's id (text, unique)"))
    customer_id: Series[pd.StringDtype] = pa.Field(**_req("the customer (a customer_id)"))
    rep_id: Series[pd.StringDtype] = pa.Field(**_req("the rep (a rep_id)"))
    created_at: Series[pd.Timestamp] = pa.Field(**_req("when the deal was created (timestamp)"))
    closed_at: Series[pd.Timestamp] = pa.Field(nullable=True, **_opt("when it was won or lost (timestamp)"))
    stage: Series[pd.StringDtype] = pa.Field(isin=list(STAGES), **_req("one of " + ", ".join(STAGES)))
    amount: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True, **_req("the deal's value (>= 0)"))
    needs_analysis: Series[pd.BooleanDtype] = pa.Field(
        nullable=True, **_opt("whether a needs analysis was documented (true/false)")
    )
    personalized: Series[pd.BooleanDtype] = pa.Field(
        nullable=True, **_opt("whether a personalized proposal was made (true/false)")
    )

    @pa.dataframe_check(name="closed_at before created_at")
    def _closed_after_created(cls, df: pd.DataFrame) -> Series[bool]:
        return _passes("deals", "closed_at before created_at", df)

    @pa.dataframe_check(name="won or lost without closed_at")
    def _closed_has_date(cls, df: pd.DataFrame) -> Series[bool]:
        return _passes("deals", "won or lost without closed_at", df)


class Quotas(_Contract):
    """Optional sales quotas: one row per rep and quarter."""

    rep_id: Series[pd.StringDtype] = pa.Field(**_req("the rep (a rep_id)"))
    quarter: Series[pd.StringDtype] = pa.Field(str_matches=QUARTER_LABEL.pattern, **_req("the quarter, like 2026Q3"))
    quota: Series[pd.Float64Dtype] = pa.Field(gt=0, **_req("the revenue quota (> 0)"))


MODELS: dict[str, type[_Contract]] = {
    "reps": Reps,
    "customers": Customers,
    "interactions": Interactions,
    "surveys": Surveys,
    "deals": Deals,
    "quotas": Quotas,
}


def _kind(dtype: object) -> str:
    text = str(dtype).lower()
    if "string" in text or text in {"str", "object"}:
        return "text"
    if "int" in text:
        return "int"
    if "float" in text:
        return "float"
    if "bool" in text:
        return "bool"
    if "datetime" in text or "timestamp" in text:
        return "timestamp"
    raise TypeError(f"unexpected dtype in the data contract: {dtype}")


def column_types(table: str) -> dict[str, str]:
    """Column name -> kind ('text', 'int', 'float', 'bool', 'timestamp') for a table."""
    schema = MODELS[table].to_schema()
    return {name: _kind(col.dtype) for name, col in schema.columns.items()}


def required_columns(table: str) -> list[str]:
    """The columns a source must provide for a table (the others may be absent)."""
    schema = MODELS[table].to_schema()
    return [n for n, c in schema.columns.items() if not (c.metadata or {}).get("optional")]


def describe() -> pd.DataFrame:
    """The data contract as a table: table, column, type, required, nullable, description."""
    rows = []
    for table, model in MODELS.items():
        schema = model.to_schema()
        for name, col in schema.columns.items():
            rows.append(
                {
                    "table": table,
                    "column": name,
                    "type": _kind(col.dtype),
                    "required": not (col.metadata or {}).get("optional"),
                    "nullable": bool(col.nullable),
                    "description": col.description,
                }
            )
    return pd.DataFrame(rows)
