"""The survey instrument, dimension scores and the attribution of responses to reps.

The instrument (``parameters/instrument.yaml``, or ``instrument.yaml`` in a source folder)
lists each item: its column, its satisfaction dimension, its scale, whether it is
reverse-keyed, optional tags (such as ``needs_understood``) and its wording in zh and en.

A response's **dimension score** is the mean of the dimension's answered items, reverse-keyed
items reflected (``min + max - answer``), when at least half of the dimension's items are
answered; otherwise it is missing.

A response is **credited** to its ``rep_id``; when that is empty, to the rep of the
interaction it answers (``interaction_id``); when that is empty too, to the rep who owns the
customer's account.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from kit.instrument import Instrument, InstrumentError, Item, default_instrument_path, load_instrument

if TYPE_CHECKING:  # pragma: no cover
    import ibis.expr.types as ir

    from kit.dataset import Dataset

__all__ = [
    "InstrumentError",
    "Item",
    "Instrument",
    "load_instrument",
    "default_instrument_path",
    "dimension_score_exprs",
    "tag_score_expr",
    "attributed_surveys",
    "dimension_scores",
]

# --- Ibis expressions, shared by the KPI layer and by dimension_scores ------------------------


def _mean_of_answered(t: ir.Table, items: list[Item], instrument: Instrument, min_answered: int):
    import ibis

    total = None
    count = None
    for item in items:
        col = t[item.column].cast("float64")
        if item.reverse:
            col = instrument.scale_min + instrument.scale_max - col
        val = col.fill_null(0.0)
        cnt = ibis.ifelse(col.notnull(), 1, 0)
        total = val if total is None else total + val
        count = cnt if count is None else count + cnt
    return ibis.ifelse(count >= min_answered, total / count.cast("float64"), ibis.null("float64"))


def dimension_score_exprs(t: ir.Table, instrument: Instrument) -> dict[str, Any]:
    """Ibis expressions of each dimension's score on a survey table (see the module docstring)."""
    out = {}
    for dim in instrument.dimensions:
        items = instrument.items_of(dim)
        out[dim] = _mean_of_answered(t, items, instrument, (len(items) + 1) // 2)
    return out


def tag_score_expr(t: ir.Table, instrument: Instrument, tag: str):
    """Mean of the answered items carrying ``tag`` (reflected), at least one answered."""
    items = instrument.tagged(tag)
    if not items:
        raise InstrumentError(f"No item of the instrument carries the tag {tag!r}.")
    return _mean_of_answered(t, items, instrument, 1)


def attributed_surveys(surveys: ir.Table, interactions: ir.Table, customers: ir.Table) -> ir.Table:
    """Survey rows with ``rep_id`` filled: their own, else the interaction's rep, else the owner.

    Adds ``credited_via`` in {response, interaction, owner, none}.
    """
    import ibis

    i = interactions.select(_i_id=interactions.interaction_id, _i_rep=interactions.rep_id)
    c = customers.select(_c_id=customers.customer_id, _c_owner=customers.owner_rep_id)
    j = surveys.left_join(i, surveys.interaction_id == i._i_id).left_join(c, surveys.customer_id == c._c_id)
    via = (
        ibis.cases(
            (j.rep_id.notnull(), "response"),
            (j._i_rep.notnull(), "interaction"),
            (j._c_owner.notnull(), "owner"),
            else_="none",
        )
    )
    cols = [c_ for c_ in surveys.columns if c_ != "rep_id"]
    return j.select(
        *cols, rep_id=ibis.coalesce(j.rep_id, j._i_rep, j._c_owner), credited_via=via
    )


def dimension_scores(
    data: Dataset, quarter: str | Iterable[str] | None = None, *, items: bool = False
) -> pd.DataFrame:
    """One row per survey response with the rep it is credited to and its dimension scores.

    Parameters
    ----------
    data : kit.Dataset
        A loaded data set (:func:`kit.load`).
    quarter : str or list of str, optional
        ``"2026Q3"``, a range ``"2025Q4:2026Q3"`` or a list; responses are placed by
        ``submitted_at``. Default: all responses.
    items : bool
        Also return the item answers (reverse-keyed items reflected).

    Returns
    -------
    DataFrame
        Columns ``response_id, customer_id, rep_id, credited_via, interaction_id, quarter,
        submitted_at, csat, nps``, then one column per dimension (float, missing when fewer
        than half of the dimension's items are answered), then the reflected items if asked.
    """
    t = data.table("surveys_attributed")
    quarters = data.quarters_for(quarter) if quarter is not None else None
    if quarters is not None:
        t = t.filter((t.submitted_at >= quarters[0].start) & (t.submitted_at < quarters[-1].end))
        t = t.filter(t.quarter_index.isin([q.index for q in quarters]))
    inst = data.instrument
    dims = dimension_score_exprs(t, inst)
    cols = [t.response_id, t.customer_id, t.rep_id, t.credited_via, t.interaction_id, t.quarter_index,
            t.submitted_at, t.csat, t.nps]
    extra = {}
    if items:
        for it in inst.items:
            col = t[it.column].cast("float64")
            extra[it.column] = (inst.scale_min + inst.scale_max - col) if it.reverse else col
    df = t.select(*cols, **dims, **extra).order_by("response_id").to_pandas()
    from kit.periods import label_of_index

    labels = {i: label_of_index(i, data.fiscal_start_month) for i in df["quarter_index"].unique()}
    df.insert(5, "quarter", df.pop("quarter_index").map(labels).astype("string"))
    for c in ["csat", "nps"]:
        df[c] = df[c].astype("Float64")
    return df.reset_index(drop=True)
