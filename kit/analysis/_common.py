"""Shared steps of the analyses: quarters, per-rep survey means, KPI history, split halves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kit.periods import Quarter

if TYPE_CHECKING:  # pragma: no cover
    from kit.io import Dataset

__all__: list[str] = []


def one_quarter(data: Dataset, quarter: str | Quarter | None) -> Quarter:
    qs = data.quarters_for(quarter)
    if len(qs) != 1:
        raise ValueError(f"quarter must name one quarter, like '2026Q3' (or 'latest'); got {quarter!r}.")
    return qs[0]


def window(data: Dataset, q: Quarter, size: int) -> list[Quarter]:
    """The quarters ending at ``q``, at most ``size`` of them, among those with data."""
    if not isinstance(size, int) or size < 1:
        raise ValueError(f"window must be a whole number of quarters >= 1; got {size!r}.")
    have = {x.index for x in data.quarters()}
    return [x for x in (q.previous(k) for k in range(size - 1, -1, -1)) if x.index in have] or [q]


def has_quarter(data: Dataset, q: Quarter) -> bool:
    return q.index in {x.index for x in data.quarters()}


def scores(data: Dataset, quarters: Iterable[Quarter]) -> pd.DataFrame:
    """Dimension scores of the responses in these quarters (kit.survey.dimension_scores)."""
    from kit.survey import dimension_scores

    return dimension_scores(data, [str(q) for q in quarters])


def rep_means(scored: pd.DataFrame, dimensions: list[str], by_quarter: bool = False) -> pd.DataFrame:
    """Per rep (and quarter): ``n`` responses, mean ``csat`` and mean of each dimension."""
    keys = ["quarter", "rep_id"] if by_quarter else ["rep_id"]
    cols = ["csat", *dimensions]
    num = scored[keys + cols].copy()
    for c in cols:
        num[c] = pd.to_numeric(num[c], errors="coerce").astype("float64")
    g = num.groupby(keys, observed=True)
    out = g[cols].mean()
    out.insert(0, "n", g.size())
    return out


def kpi_table(data: Dataset, quarters: list[Quarter], settings: Any, kpis: list[str] | None = None) -> pd.DataFrame:
    """KPIs for the quarters, always indexed by (quarter, rep_id)."""
    from kit.kpis import compute

    out = compute(data, [str(q) for q in quarters], kpis=kpis, settings=settings)
    if len(quarters) == 1:
        out = pd.concat({str(quarters[0]): out}, names=["quarter"])
    return out


def pooled(values: pd.DataFrame, kpi_id: str, min_n: int) -> pd.DataFrame:
    """A KPI over several quarters per rep: the n-weighted mean of its quarterly values."""
    v = values[[kpi_id, f"n_{kpi_id}"]].reset_index()
    v = v[(v[f"n_{kpi_id}"] > 0) & v[kpi_id].notna()]
    v["w"] = v[kpi_id] * v[f"n_{kpi_id}"]
    g = v.groupby("rep_id")[["w", f"n_{kpi_id}"]].sum()
    out = pd.DataFrame({"value": g["w"] / g[f"n_{kpi_id}"], "n": g[f"n_{kpi_id}"]})
    return out[out["n"] >= min_n]


def split_half(data: Dataset, half: int) -> Dataset:
    """The data of half of the customers (by a hash of customer_id): all their rows, every rep.

    Customers are the sampling unit, so each half keeps whole customer histories and the
    attribution of responses to reps stays intact.
    """
    from kit.io import Dataset

    def keep(ids: pd.Series) -> np.ndarray:
        h = pd.util.hash_pandas_object(ids.astype("string"), index=False).to_numpy()
        return (h % 2) == half

    t = data.tables
    cust = t["customers"][keep(t["customers"]["customer_id"])]
    ids = set(cust["customer_id"])
    tables = dict(t)
    tables["customers"] = cust.reset_index(drop=True)
    for name in ("interactions", "surveys", "deals"):
        df = t[name]
        tables[name] = df[df["customer_id"].isin(ids)].reset_index(drop=True)
    return Dataset(tables=tables, instrument=data.instrument, quarantine=data.quarantine.iloc[0:0],
                   source=f"{data.source} (half {half})", rows_in={k: len(v) for k, v in tables.items()},
                   fingerprints={}, fiscal_start_month=data.fiscal_start_month)


def settings_of(settings: Any | Mapping | None) -> Any:
    from kit.kpis import KPISettings

    return settings if isinstance(settings, KPISettings) else KPISettings.from_dict(settings)
