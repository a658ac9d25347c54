"""Benchmark: comment_themes on 1 million survey comments against jieba's own segmentation.

Target: ``kit.analysis.comment_themes`` on a quarter with 1,000,000 comments takes at most 3x
the time jieba needs to segment the same comments (``jieba.Tokenizer().lcut`` on each, the
dictionary already loaded), measured in the same run. comment_themes does everything else
too: reading the quarter from the engine, redaction, dimensions, negation, the log-odds
terms, intervals and quotes.

The comments are composed by the sample generator (``kit.sample_comments.write_comments``,
the same wording model as the bundled sample, personal data included), placed in 2026Q3 on
the sample's reps and customers; the sample's own comments stay in the earlier quarters.
Numbers of distinct comments are printed: comment_themes reads each distinct text once, as
real survey exports repeat short comments; the baseline segments every comment.

Run from the repository root::

    .venv/bin/python benchmarks/bench_comments.py [--comments 1000000]

Not collected by pytest. Prints both times, the ratio and the peak memory of each step;
exits 1 when the ratio is above the target.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import kit  # noqa: E402
from kit.sample_comments import write_comments  # noqa: E402

TARGET = 3.0
QUARTER_START = pd.Timestamp("2026-07-01")


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_source(folder: Path, n: int, seed: int = 2026) -> None:
    """The sample's tables, with ``n`` extra survey responses in 2026Q3, each with a comment."""
    rng = np.random.default_rng(seed)
    for name in ("reps", "customers", "interactions", "deals", "quotas"):
        pd.read_csv(ROOT / "data" / "samples" / f"{name}.csv").to_csv(folder / f"{name}.csv", index=False)
    base = pd.read_csv(ROOT / "data" / "samples" / "surveys.csv", dtype={"comment": "string"})
    base = base[pd.to_datetime(base["submitted_at"]) < QUARTER_START]
    reps = pd.read_csv(ROOT / "data" / "samples" / "reps.csv")
    cust = pd.read_csv(ROOT / "data" / "samples" / "customers.csv")
    csat = rng.choice(np.arange(1, 6), size=n, p=[0.06, 0.10, 0.20, 0.34, 0.30])
    latent = 0.5 * (csat[:, None] - 3.6) + 0.6 * rng.standard_normal((n, 6))
    items = np.clip(np.rint(3.6 + latent), 1, 5).astype(np.int64)
    names = pa.array(reps["rep_name"].to_numpy()[rng.integers(0, len(reps), n)])
    companies = pa.array(np.array(["上海恒达精密机械有限公司", "深圳华信电子科技有限公司"])[rng.integers(0, 2, n)])
    comments = write_comments(rng, csat, latent, names, companies)
    keep = pa.compute.is_valid(comments).to_numpy(zero_copy_only=False)
    while keep.sum() < n:  # write_comments leaves some responses without a comment: top up
        extra = write_comments(rng, csat, latent, names, companies)
        comments = pa.compute.if_else(pa.array(keep), comments, extra)
        keep = pa.compute.is_valid(comments).to_numpy(zero_copy_only=False)
    ci = rng.integers(0, len(cust), n)
    new = pd.DataFrame({
        "response_id": [f"B{i:07d}" for i in range(n)],
        "customer_id": cust["customer_id"].to_numpy()[ci],
        "rep_id": cust["owner_rep_id"].to_numpy()[ci],
        "interaction_id": pd.array([None] * n, dtype="string"),
        "submitted_at": (QUARTER_START + pd.to_timedelta(rng.integers(0, 90 * 86400, n), unit="s")).strftime(
            "%Y-%m-%d %H:%M:%S"),
        "csat": csat,
        "nps": np.clip(csat * 2, 0, 10),
    })
    dims = ["quality", "responsiveness", "communication", "personalization", "transparency", "proactivity"]
    for j, d in enumerate(dims):
        new[f"q_{d}_1"] = items[:, j]
        new[f"q_{d}_2"] = 6 - items[:, j] if d == "transparency" else items[:, j]
    new["comment"] = pd.array(comments.to_pylist(), dtype="string")
    out = pd.concat([base, new[base.columns]], ignore_index=True)
    out.to_parquet(folder / "surveys.parquet", index=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1_000_000)
    args = parser.parse_args()
    import jieba

    with tempfile.TemporaryDirectory(prefix="bench-comments-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        make_source(folder, args.comments)
        data = kit.load(folder)
        comments = data.tables["surveys"]["comment"]
        in_q = data.tables["surveys"]["submitted_at"] >= QUARTER_START
        texts = comments[in_q].dropna().tolist()
        print(f"{len(texts):,} comments in 2026Q3 ({len(set(texts)):,} distinct), prepared in "
              f"{time.perf_counter() - t0:.0f} s; {os.cpu_count()} cores, Python {platform.python_version()}, "
              f"jieba {jieba.__version__}")
        print(f"peak memory after loading: {_rss_mib():,.0f} MiB")

        tk = jieba.Tokenizer()
        tk.initialize()
        kit.analysis._lexicon._jieba()  # both dictionaries loaded before timing
        t0 = time.perf_counter()
        words = 0
        for t in texts:
            words += len(tk.lcut(t))
        t_jieba = time.perf_counter() - t0
        print(f"jieba lcut of every comment:   {t_jieba:8.1f} s  ({words:,} words); peak memory "
              f"{_rss_mib():,.0f} MiB")

        t0 = time.perf_counter()
        themes = kit.analysis.comment_themes(data, "2026Q3", lang="zh")
        t_kit = time.perf_counter() - t0
        print(f"comment_themes (whole quarter): {t_kit:8.1f} s; peak memory {_rss_mib():,.0f} MiB")
        ratio = t_kit / t_jieba
        print(f"ratio: {ratio:.2f}x (target <= {TARGET:.1f}x)")
        print(f"comments {themes.n_comments:,}, assigned {themes.n_assigned:,}, redacted {themes.n_redacted:,}")
        print(themes.table[["comments", "negative", "negative_share", "ci_low", "ci_high", "terms"]].to_string())
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
