"""Gaming: a volume KPI rising while its quality counterpart falls significantly."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _st

from kit import stats
from kit.analysis import _common as C

__all__: list[str] = []


def gaming(out: pd.DataFrame, values: pd.DataFrame, win: list[str], metas: dict, need: dict, th: Any) -> None:
    """Flag reps whose volume KPI rose while its quality counterpart fell, tested.

    The later half of the window is compared with every earlier quarter at hand (the baseline:
    the earlier half of the window and the quarters before it that were loaded). Per rep, the
    volume is the mean of its quarterly values in each part; the counterpart (a share) is pooled over each half as
    successes of trials. A rep is flagged when the volume rose by at least ``gaming_rise``, the
    counterpart fell by at least ``gaming_drop``, and the fall is significant: a one-sided
    Fisher exact test of the two halves' successes and failures, Benjamini-Hochberg adjusted
    over the reps tested for that KPI, at ``fdr``. ``gaming_details`` states the figures.
    """
    out["gaming"] = False
    out["gaming_reps"] = [[] for _ in range(len(out))]
    out["gaming_details"] = [[] for _ in range(len(out))]
    if len(win) < 2:
        return
    late = win[len(win) // 2:]
    quarters = values.index.get_level_values("quarter")
    early = sorted({x for x in quarters.unique() if x < late[0]})
    for k, m in metas.items():
        if k not in out.index or not (m.volume and m.counterpart and m.counterpart in values.columns):
            continue
        c = m.counterpart
        cm = metas.get(c)
        share = cm is None or getattr(cm, "unit", "share") == "share"
        if not share:
            continue
        parts = []
        for part in (early, late):
            v = values[quarters.isin(part)]
            vol = v[k].groupby(level="rep_id").mean()
            qual = C.pooled(v, c, 1)
            succ = (v[c] * v[f"n_{c}"]).round().groupby(level="rep_id").sum()
            parts.append((vol, qual, succ.reindex(qual.index)))
        (vol_a, qual_a, s_a), (vol_b, qual_b, s_b) = parts
        rise = ((vol_b - vol_a) / vol_a.where(vol_a > 0)).dropna()
        sign = 1.0 if cm is None or cm.direction == "+" else -1.0
        drop = ((qual_a["value"] - qual_b["value"]) * sign).reindex(rise.index)
        cand = rise[(rise >= th.gaming_rise) & (drop >= th.gaming_drop)].index
        tests = []
        for r in cand:
            na, nb = qual_a["n"].get(r, 0), qual_b["n"].get(r, 0)
            if not (na > 0 and nb > 0):
                continue
            ya, yb = int(s_a.get(r, 0)), int(s_b.get(r, 0))
            table = [[ya, int(na) - ya], [yb, int(nb) - yb]] if sign > 0 else [[int(na) - ya, ya], [int(nb) - yb, yb]]
            p = _st.fisher_exact(table, alternative="greater").pvalue
            tests.append((r, p, ya, int(na), yb, int(nb), float(rise[r])))
        if not tests:
            continue
        # the family: every rep whose volume rose enough (the others cannot be flagged)
        family = max(len(tests), int((rise >= th.gaming_rise).sum()))
        pv = np.array([t[1] for t in tests] + [1.0] * (family - len(tests)))
        qv = stats.benjamini_hochberg(pv)[: len(tests)]
        flagged = [(t, qq) for t, qq in zip(tests, qv) if qq <= th.fdr]
        out.at[k, "gaming_reps"] = sorted(t[0] for t, _ in flagged)
        out.at[k, "gaming_details"] = [
            f"{t[0]}: {t[2]}/{t[3]} → {t[4]}/{t[5]}, volume {t[6]:+.0%}, Fisher p {t[1]:.3f}, q {qq:.3f}"
            for t, qq in sorted(flagged)]
        out.at[k, "gaming"] = bool(flagged)
