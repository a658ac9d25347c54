"""Customer buckets: the sufficient statistics behind random splits and the bootstrap.

Customers are the sampling unit of every rep-level figure. The customers are hashed into
``B`` buckets (a stable hash of ``customer_id``), and every KPI is computed once per
(quarter, rep, bucket), in one query, by relabelling each row's rep as ``"<rep>#<bucket>"``.
From these pieces a rep's KPI on any set of buckets is a cheap array operation:

- shares, means and rates (``value`` is a ratio of sums with count ``n``): the n-weighted
  mean of the bucket values (exact);
- totals (units ``amount``, ``count``, ``ratio``: revenue, proposals, quota attainment):
  the sum of the bucket values (exact);
- medians (unit ``hours``): the n-weighted mean of the bucket medians (an approximation that
  is used only for splits and resamples, never for a rep's shown value).

So 200 random customer halves, or 200 customer-level bootstrap resamples of the whole
scorecard, cost a few matrix products instead of 200 KPI queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from kit.io import Dataset

__all__: list[str] = []

TOTAL_UNITS = frozenset({"amount", "count", "ratio"})
SEP = "#"


def customer_bucket(ids: pd.Series, buckets: int) -> np.ndarray:
    """A stable bucket number in [0, buckets) per customer id."""
    h = pd.util.hash_pandas_object(ids.astype("string"), index=False, hash_key="kit-buckets-0001").to_numpy()
    return (h % np.uint64(buckets)).astype(np.int64)


def bucketed(data: Dataset, buckets: int) -> Dataset:
    """The data set with every rep split into ``buckets`` pseudo-reps by customer bucket.

    Built in the data set's engine: only the customer ids come to pandas (to hash them into
    buckets); the relabelled tables are queries over the original ones, joined to that map.
    """
    import ibis

    from kit.dataset import EngineTables
    from kit.io import Dataset
    from kit.validation import contract_columns

    def source(name: str):
        """A table of ``data`` in its engine, with ``_row``."""
        if data.engine is not None:
            return data.engine.tables[name]
        return data.table(name).mutate(_row=ibis.row_number() + 1)

    cust = source("customers")
    ids = cust.select("customer_id").execute()["customer_id"].dropna()
    cb = ibis.memtable(pd.DataFrame({"_b_customer": ids.astype(str).to_numpy(dtype=object),
                                     "_b_bucket": customer_bucket(ids, buckets)}).drop_duplicates("_b_customer"))

    def tag(t, rep_col: str, cust_col: str):
        j = t.left_join(cb, t[cust_col].cast("string") == cb._b_customer)
        rep = j[rep_col]
        label = ibis.ifelse(rep.notnull() & j._b_bucket.notnull(),
                            rep.cast("string") + SEP + j._b_bucket.cast("string"), ibis.null("string"))
        return j.select(*[label.name(c) if c == rep_col else j[c] for c in t.columns])

    def per_bucket(t):
        b = ibis.memtable(pd.DataFrame({"_b_bucket": np.arange(buckets, dtype="int64")}))
        j = t.cross_join(b)
        label = j.rep_id.cast("string") + SEP + j._b_bucket.cast("string")
        return j.select(*[label.name(c) if c == "rep_id" else j[c] for c in t.columns])

    tables = {"customers": tag(cust, "owner_rep_id", "customer_id"), "reps": per_bucket(source("reps"))}
    for name in ("interactions", "surveys", "deals"):
        tables[name] = tag(source(name), "rep_id", "customer_id")
    present = data.engine.tables if data.engine is not None else data.tables
    if "quotas" in present:
        tables["quotas"] = per_bucket(source("quotas"))
    kinds = {t: contract_columns(t, data.instrument) for t in tables}
    out = Dataset(instrument=data.instrument, quarantine=data.quarantine.iloc[0:0],
                  source=f"{data.source} (customer buckets)", rows_in={}, fingerprints={},
                  fiscal_start_month=data.fiscal_start_month,
                  engine=EngineTables(data.con, {t: tables[t] for t in present if t in tables}, kinds))
    out._stats["date_range"] = data._date_range()   # relabelling moves no row in time
    return out


@dataclass(frozen=True)
class Pieces:
    """KPI pieces per (quarter, rep, bucket): arrays ``value[k]`` and ``n[k]`` of shape (Q, R, B)."""

    quarters: list[str]
    reps: list[str]
    buckets: int
    value: dict[str, np.ndarray]
    n: dict[str, np.ndarray]
    total: dict[str, bool]

    def combine(self, k: str, w: np.ndarray, quarters: list[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """A KPI per rep on bucket weights ``w`` (S, B), pooled over ``quarters``: (S, R) value and n.

        Rows of ``w`` are splits or resamples (0/1 for a half, counts for a bootstrap).
        Quarters are pooled as the analyses pool them: n-weighted means of ratios, and the
        per-quarter mean of totals.
        """
        qi = [self.quarters.index(q) for q in (quarters or self.quarters)]
        v = np.nan_to_num(self.value[k][qi], nan=0.0)  # (Q, R, B)
        n = self.n[k][qi].astype(float)
        if self.total[k]:
            tot = np.einsum("qrb,sb->sr", v, w) / len(qi)
            cnt = np.einsum("qrb,sb->sr", n, w)
            return tot, cnt
        num = np.einsum("qrb,sb->sr", v * n, w)
        cnt = np.einsum("qrb,sb->sr", n, w)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(cnt > 0, num / cnt, np.nan), cnt


def kpi_pieces(data: Dataset, quarters: list[Any], settings: Any, ids: list[str], buckets: int = 32) -> Pieces:
    """Compute every KPI once per (quarter, rep, customer bucket)."""
    import kit.kpis as K
    from kit.analysis import _common as C

    b = bucketed(data, buckets)
    qs = [str(q) for q in quarters]
    reps = sorted(data.table("reps").select("rep_id").execute()["rep_id"].astype(str))
    rep_pos = {r: i for i, r in enumerate(reps)}
    shape = (len(qs), len(reps), buckets)
    total = {k: K.get(k).unit in TOTAL_UNITS for k in ids}
    value = {k: np.full(shape, np.nan) for k in ids}
    n = {k: np.zeros(shape, dtype=np.float32) for k in ids}  # whole counts: exact in float32 below 2**24
    # one query per quarter: a KPI of a quarter reads only that quarter's rows, and the engine
    # then holds one quarter's groups (pseudo-reps x buckets) at a time, not all of them
    for i, q in enumerate(quarters):
        table = C.kpi_table(b, [q], settings, ids)
        codes, labels = pd.factorize(table.index.get_level_values("rep_id"))
        parts = pd.Series(labels.astype(str)).str.rpartition(SEP)
        ri = parts[0].map(rep_pos).to_numpy(dtype=np.int64)[codes]
        bi = parts[2].astype(np.int64).to_numpy()[codes]
        for k in ids:
            value[k][i, ri, bi] = table[k].to_numpy(dtype=float)
            n[k][i, ri, bi] = table[f"n_{k}"].to_numpy(dtype=float)
    for k in ids:
        if total[k]:
            np.nan_to_num(value[k], copy=False, nan=0.0)
    return Pieces(quarters=qs, reps=reps, buckets=buckets, value=value, n=n, total=total)


def survey_pieces(scored: pd.DataFrame, columns: list[str], reps: list[str], buckets: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Sums and counts of survey scores per (rep, bucket): arrays (C, R, B) and (C, R, B)."""
    b = customer_bucket(scored["customer_id"], buckets)
    ri = scored["rep_id"].astype(str).map({r: i for i, r in enumerate(reps)})
    ok = ri.notna().to_numpy()
    ri = ri[ok].to_numpy(dtype=np.int64)
    b = b[ok]
    sums = np.zeros((len(columns), len(reps), buckets))
    cnts = np.zeros((len(columns), len(reps), buckets))
    for j, c in enumerate(columns):
        x = pd.to_numeric(scored[c], errors="coerce").to_numpy(dtype=float)[ok]
        m = np.isfinite(x)
        np.add.at(sums[j], (ri[m], b[m]), x[m])
        np.add.at(cnts[j], (ri[m], b[m]), 1.0)
    return sums, cnts


def random_halves(buckets: int, splits: int, seed: int = 0) -> np.ndarray:
    """``splits`` random balanced halves of the buckets: a 0/1 array (splits, buckets)."""
    rng = np.random.default_rng(seed)
    order = np.argsort(rng.random((splits, buckets)), axis=1)
    half = np.zeros((splits, buckets))
    np.put_along_axis(half, order[:, : buckets // 2], 1.0, axis=1)
    return half


def bootstrap_weights(buckets: int, n_boot: int, seed: int = 0) -> np.ndarray:
    """Customer-bucket bootstrap: counts of each bucket in ``n_boot`` resamples (n_boot, buckets)."""
    rng = np.random.default_rng(seed)
    return rng.multinomial(buckets, np.full(buckets, 1.0 / buckets), size=n_boot).astype(float)
