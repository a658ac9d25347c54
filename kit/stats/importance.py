"""Relative importance of correlated predictors: Shapley (LMG) and Johnson's weights.

Both split the R² of a linear regression (with intercept) among the predictors, from the
correlation matrix alone:

- Shapley / LMG (Lindeman, Merenda & Gold 1980; Grömping 2006): the R² gain of a
  predictor averaged over all orders of entry. The R² of each of the 2^p subsets is
  r_S' R_SS^-1 r_S, solved on sub-matrices of the correlation matrix, never by refitting.
- Johnson's relative weights (Johnson 2000): the predictors are replaced by their
  closest orthonormal counterparts Z (R_xx^-1/2 from the eigen-decomposition); the R² of
  the outcome on Z is split back with the squared loadings.

The bootstrap resamples rows: each resample is a vector of multinomial counts over the
rows, and the 1,000 resamples' weighted cross-products are one matrix product per chunk
of rows (counts x [z, z_i z_j]), so that the correlation matrices of all resamples cost
about as much as reading the data once per chunk; the subset R² of all resamples are then
batched solves.
"""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as _st

from kit.results import Result

from . import _checks

__all__ = ["ImportanceResult", "bootstrap_count_chunks", "relative_importance",
           "relative_importance_from_correlations"]


@dataclass(frozen=True)
class ImportanceResult(Result):
    """Relative importance (``table``, see :func:`relative_importance`) and the facts of the fit.

    Attributes
    ----------
    r2 : float
    n, dropped : int
        Rows used; rows left out for a missing value.
    method : str
    n_boot, n_boot_used : int
        Resamples asked; resamples whose predictors stayed non-collinear.
    seed : int or None
    ci : float
    differences : DataFrame
        One row per pair of predictors: ``a, b, diff, ci_low, ci_high``.
    """

    r2: float = math.nan
    n: int = 0
    dropped: int = 0
    method: str = ""
    n_boot: int = 0
    n_boot_used: int = 0
    seed: object = None
    ci: float = 0.95
    differences: pd.DataFrame = field(default_factory=pd.DataFrame)

_METHODS = ("shapley", "relative_weights")
#: Largest number of predictors for the exact Shapley decomposition (2^p subsets).
MAX_SHAPLEY_PREDICTORS = 12
#: Target number of count cells (resamples x rows) per chunk of the bootstrap.
_CHUNK_CELLS = 1 << 19
#: Largest acceptable condition number of a predictor correlation matrix.
_MAX_CONDITION = 1e10
#: Resampled variance (of a column with unit sample variance) treated as zero.
_MIN_RESAMPLE_VARIANCE = 1e-10


# --------------------------------------------------------------------------------------
# Subset R² and the two decompositions, batched over correlation matrices
# --------------------------------------------------------------------------------------


def _subset_masks(p: int) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """For each subset size s >= 1: (s, bitmask of each subset, member index array)."""
    out = []
    for s in range(1, p + 1):
        combos = list(itertools.combinations(range(p), s))
        idx = np.array(combos, dtype=np.intp)
        masks = (np.left_shift(1, idx)).sum(axis=1)
        out.append((s, masks, idx))
    return out


def _subset_r2(corr: np.ndarray) -> np.ndarray:
    """R² of every predictor subset, for a batch of correlation matrices.

    Parameters
    ----------
    corr : ndarray, shape (B, p + 1, p + 1)
        Correlation matrices with the outcome first.

    Returns
    -------
    ndarray, shape (B, 2^p)
        Column ``mask`` holds the R² of the predictors whose bits are set in ``mask``
        (column 0, the empty set, is 0).
    """
    nb, q, _ = corr.shape
    p = q - 1
    rxx = corr[:, 1:, 1:]
    rxy = corr[:, 0, 1:]
    r2 = np.zeros((nb, 1 << p))
    for s, masks, idx in _subset_masks(p):
        c = len(masks)
        # Bound the temporary (block x c x s x s) to a few million numbers.
        block = max(1, min(nb, 4_000_000 // max(1, c * s * s)))
        for start in range(0, nb, block):
            stop = min(nb, start + block)
            sub = rxx[start:stop][:, idx[:, :, None], idx[:, None, :]]
            rhs = rxy[start:stop][:, idx]
            sol = np.linalg.solve(sub, rhs[..., None])[..., 0]
            r2[start:stop, masks] = np.einsum("bcs,bcs->bc", rhs, sol)
    return r2


def _shapley_matrix(p: int) -> np.ndarray:
    """Matrix M (2^p x p) with Shapley value = R²(all subsets) @ M.

    phi_j = sum over S not containing j of w(|S|) (R²(S + j) - R²(S)), with
    w(s) = s! (p - s - 1)! / p!: the R² of a subset T gets + w(|T| - 1) for each of its
    members and - w(|T|) for each non-member.
    """
    w = np.array(
        [math.factorial(s) * math.factorial(p - s - 1) / math.factorial(p) for s in range(p)]
    )
    masks = np.arange(1 << p)
    inside = ((masks[:, None] >> np.arange(p)[None, :]) & 1).astype(bool)
    size = inside.sum(axis=1)
    gain = w[np.clip(size - 1, 0, p - 1)][:, None]  # weight when T = S + j
    base = w[np.clip(size, 0, p - 1)][:, None]  # weight when T = S, j not in T
    m = np.where(inside, gain, 0.0) - np.where(~inside & (size < p)[:, None], base, 0.0)
    return m


def _shapley(corr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shapley (LMG) values and full R² for a batch of correlation matrices."""
    p = corr.shape[1] - 1
    r2 = _subset_r2(corr)
    return r2 @ _shapley_matrix(p), r2[:, -1]


def _relative_weights(corr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Johnson's (2000) relative weights and full R² for a batch of correlation matrices."""
    rxx = corr[:, 1:, 1:]
    rxy = corr[:, 0, 1:]
    evals, evecs = np.linalg.eigh(rxx)
    root = np.sqrt(np.clip(evals, 0.0, None))
    lam = (evecs * root[:, None, :]) @ np.swapaxes(evecs, 1, 2)  # R_xx^(1/2), symmetric
    beta = np.linalg.solve(lam, rxy[..., None])[..., 0]  # outcome on the orthogonal Z
    raw = np.einsum("bjk,bk->bj", lam**2, beta**2)
    return raw, (beta**2).sum(axis=1)


_DECOMPOSE = {"shapley": _shapley, "relative_weights": _relative_weights}


# --------------------------------------------------------------------------------------
# Bootstrap: multinomial counts per row, cross-products as one matrix product per chunk
# --------------------------------------------------------------------------------------


def _chunk_rows(n: int, n_boot: int) -> int:
    """Rows per chunk: a power of two near _CHUNK_CELLS / n_boot (64 to 65,536), so that
    a chunk's counts stay in cache and its row draws can be cut from raw random bits."""
    target = max(64, min(1 << 16, _CHUNK_CELLS // max(1, n_boot)))
    return 1 << (target.bit_length() - 1)


def _uniform_rows(rng: np.random.Generator, size: int, count: int) -> np.ndarray:
    """`count` independent uniform draws from range(size).

    For a power-of-two `size` up to 2^16 each draw is 16 raw random bits masked down
    (exactly uniform, and several times faster than ``Generator.integers``); other sizes
    use ``Generator.integers``.
    """
    if size & (size - 1) == 0 and size <= 1 << 16:
        raw = rng.bit_generator.random_raw((count + 3) // 4)
        draws = raw.view(np.uint16)[:count]
        draws &= np.uint16(size - 1)
        return draws
    return rng.integers(0, size, size=count, dtype=np.uint32)


def _bootstrap_counts(
    n: int, n_boot: int, rng: np.random.Generator
) -> Iterator[tuple[int, int, np.ndarray]]:
    """Multinomial bootstrap counts, chunk by chunk of rows.

    Yields ``(start, stop, counts)`` with ``counts`` of shape (n_boot, stop - start),
    int64: how often each row of the chunk is drawn in each resample. Each resample
    draws n rows with replacement (an exact multinomial(n, 1/n) vector), generated as
    the split of the n draws among the chunks (multinomial over chunk sizes) and then,
    within a chunk, uniform draws among its rows. The stream depends on (n, n_boot,
    seed) only.
    """
    m = min(n, _chunk_rows(n, n_boot))
    starts = np.arange(0, n, m)
    sizes = np.minimum(m, n - starts)
    if len(starts) == 1:
        totals = np.full((n_boot, 1), n, dtype=np.int64)
    else:
        totals = rng.multinomial(n, sizes / n, size=n_boot)
    offsets: dict[int, np.ndarray] = {}
    for c, (start, size) in enumerate(zip(starts.tolist(), sizes.tolist())):
        t = totals[:, c]
        draws = _uniform_rows(rng, size, int(t.sum()))
        off = offsets.get(size)
        if off is None:
            off = offsets[size] = np.arange(n_boot, dtype=np.intp) * size
        key = np.repeat(off, t)  # resample b's draws land in bins b*size ... b*size+size-1
        key += draws
        counts = np.bincount(key, minlength=n_boot * size).reshape(n_boot, size)
        yield start, start + size, counts


def bootstrap_count_chunks(n: int, n_boot: int, seed: int | None = 0) -> Iterator[tuple[int, int, np.ndarray]]:
    """The resampling of :func:`relative_importance`, for callers with their own rows (customers).

    Yields ``(start, stop, counts)``: how often each of rows ``start:stop`` is drawn in each of
    ``n_boot`` resamples of ``n`` rows with replacement (``n_boot x (stop - start)``, int64),
    a chunk of at most about 2^19 counts at a time; depends on (n, n_boot, seed) only.
    """
    return _bootstrap_counts(n, n_boot, np.random.default_rng(seed))


def _one_blas_thread() -> contextlib.AbstractContextManager[object]:
    """Limit BLAS to one thread while the bootstrap runs (if threadpoolctl is present).

    The per-chunk products are small; multi-threaded BLAS spends more on waking its
    threads than it gains, and much more on a busy machine.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn/pingouin
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _standardize(x: np.ndarray) -> np.ndarray:
    """Columns centred and scaled to unit (population) variance."""
    z = x - x.mean(axis=0)
    z /= np.sqrt((z**2).mean(axis=0))
    return z


def _bootstrap_correlations(
    z: np.ndarray, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """Correlation matrices of `n_boot` bootstrap resamples of the rows of `z`.

    Parameters
    ----------
    z : ndarray, shape (n, q)
        Standardized data (see `_standardize`); standardizing first keeps the
        cross-products well conditioned.
    n_boot : int
        Number of resamples.
    rng : Generator
        Source of the resampling (see `_bootstrap_counts`).

    Returns
    -------
    ndarray, shape (n_boot, q, q)
        NaN where a resample leaves a column without variance.

    Notes
    -----
    For each chunk of rows the design [z_a, z_a z_b (a <= b)] (q + q(q+1)/2 columns) is
    multiplied by the (n_boot x rows) count matrix: one BLAS product per chunk gives the
    weighted sums of every resample. Checked against ``np.cov(..., fweights=counts)``
    in tests/stats/test_importance.py.
    """
    n, q = z.shape
    iu, ju = np.triu_indices(q)
    width = q + len(iu)
    acc = np.zeros((n_boot, width))
    chunks = _bootstrap_counts(n, n_boot, rng)

    def produce() -> tuple[int, int, np.ndarray] | None:
        item = next(chunks, None)
        if item is None:
            return None
        start, stop, counts = item
        return start, stop, counts.astype(np.float64)

    # Counting (numpy, holds the GIL) for the next chunk runs in a second thread while
    # this one multiplies (BLAS, releases the GIL); BLAS itself is kept to one thread so
    # the two do not fight over the cores.
    with _one_blas_thread(), ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(produce)
        while (item := pending.result()) is not None:
            pending = pool.submit(produce)
            start, stop, counts = item
            zc = z[start:stop]
            design = np.empty((stop - start, width))
            design[:, :q] = zc
            np.multiply(zc[:, iu], zc[:, ju], out=design[:, q:])
            acc += counts @ design
    mean = acc[:, :q] / n
    second = np.empty((n_boot, q, q))
    second[:, iu, ju] = acc[:, q:] / n
    second[:, ju, iu] = acc[:, q:] / n
    cov = second - mean[:, :, None] * mean[:, None, :]
    var = np.einsum("bii->bi", cov)
    # The columns have unit variance in the sample; a resample whose variance falls to
    # rounding-error size drew a constant column (say, never the one row with a 1).
    d = np.where(var > _MIN_RESAMPLE_VARIANCE, np.sqrt(np.abs(var)), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / (d[:, :, None] * d[:, None, :])
    corr[:, np.arange(q), np.arange(q)] = np.where(np.isnan(d), np.nan, 1.0)
    return np.clip(corr, -1.0, 1.0)


def _usable(corr: np.ndarray) -> np.ndarray:
    """Resamples whose predictor correlation matrix is finite and well conditioned."""
    ok = np.isfinite(corr).all(axis=(1, 2))
    if ok.any():
        ev = np.linalg.eigvalsh(np.where(ok[:, None, None], corr, 0.0)[:, 1:, 1:])
        with np.errstate(divide="ignore", invalid="ignore"):
            cond = ev[:, -1] / ev[:, 0]
        ok &= (ev[:, 0] > 0) & (cond < _MAX_CONDITION)
    return ok


# --------------------------------------------------------------------------------------
# Public function
# --------------------------------------------------------------------------------------


def _check_inputs(
    df: object, outcome: object, predictors: object, method: object
) -> tuple[pd.DataFrame, str, list[str]]:
    _checks.require_dataframe(df, "df")
    _checks.require_column_name(outcome, "outcome")
    if isinstance(predictors, str) or not isinstance(predictors, Sequence):
        raise TypeError(
            "predictors must be a list of column names; got "
            f"{type(predictors).__name__}."
        )
    preds = list(predictors)
    for name in preds:
        _checks.require_column_name(name, "each of predictors")
    if len(preds) < 2:
        raise ValueError(f"predictors must name at least 2 columns; got {len(preds)}.")
    dup = sorted({p for p in preds if preds.count(p) > 1})
    if dup:
        raise ValueError(f"predictors lists {', '.join(map(repr, dup))} more than once.")
    if outcome in preds:
        raise ValueError(f"outcome {outcome!r} is also listed among the predictors.")
    _checks.require_choice(method, "method", _METHODS)
    if method == "shapley" and len(preds) > MAX_SHAPLEY_PREDICTORS:
        raise ValueError(
            f"method='shapley' takes at most {MAX_SHAPLEY_PREDICTORS} predictors "
            f"(2^p subset regressions); got {len(preds)}. Use method='relative_weights', "
            "which has no such limit."
        )
    _checks.require_columns(df, "df", [outcome, *preds])
    _checks.require_numeric(df, "df", [outcome, *preds])
    return df, outcome, preds


def relative_importance(
    df: pd.DataFrame,
    outcome: str,
    predictors: Sequence[str],
    method: str = "shapley",
    n_boot: int = 1000,
    seed: int | None = 0,
    ci: float = 0.95,
) -> ImportanceResult:
    """Relative importance of predictors for an outcome, with bootstrap intervals.

    Splits the R² of the linear regression of `outcome` on `predictors` (with
    intercept) among the predictors, either as the exact Shapley value (LMG) or as
    Johnson's relative weights, and bootstraps the shares, their ranks and the
    pairwise differences of shares (as R's relaimpo ``booteval.relimp`` does).

    Parameters
    ----------
    df : DataFrame
        One row per respondent. Rows with a missing value in `outcome` or any
        predictor are left out (counted in ``dropped``).
    outcome : str
        Column of the outcome (for example overall CSAT).
    predictors : sequence of str
        At least 2 numeric columns (for example dimension scores); at most
        12 for ``method="shapley"``.
    method : {"shapley", "relative_weights"}, default "shapley"
        Exact Shapley/LMG decomposition or Johnson's (2000) relative weights.
    n_boot : int, default 1000
        Bootstrap resamples; 0 for none (the interval columns are then NaN).
    seed : int or None, default 0
        Seed of the resampling (``numpy.random.default_rng``); a fixed seed gives the
        same intervals on every run.
    ci : float, default 0.95
        Level of the percentile intervals.

    Returns
    -------
    ImportanceResult
        ``table`` indexed by predictor (in the given order), columns:

        - ``raw``: the predictor's part of R² (the column sums to R²);
        - ``importance``: its share of R² (sums to 1);
        - ``ci_low``, ``ci_high``: bootstrap percentile interval of the share;
        - ``rank``: 1 = largest share;
        - ``rank_ci_low``, ``rank_ci_high``: bootstrap percentile interval of the rank
          (rounded outward to whole ranks);
        - ``beta``: the standardized regression coefficient.

        Fields of the :class:`ImportanceResult`: ``r2`` (R²), ``n`` (rows used), ``dropped`` (rows left out for a
        missing value), ``method``, ``n_boot`` (resamples asked), ``n_boot_used``
        (resamples whose predictors stayed non-collinear), ``seed``, ``ci``, and
        ``differences``: a DataFrame with one row per pair of predictors (``a`` before
        ``b`` in the given order) and columns ``a``, ``b``, ``diff`` (share of a minus
        share of b), ``ci_low``, ``ci_high`` (bootstrap percentile interval of the
        difference).

    Raises
    ------
    ValueError
        For a constant column, collinear predictors, fewer rows than predictors + 2, or
        an argument outside its allowed values.

    Notes
    -----
    The shares' intervals are percentile intervals (``numpy.quantile``, linear
    interpolation) of the resampled shares; relaimpo's ``bty = "perc"`` interpolates
    order statistics slightly differently. Resampling draws exact multinomial counts
    per row, so results depend on (`seed`, number of rows, `n_boot`) only.

    Checked against R's relaimpo 2.2 (``calc.relimp(lm(Fertility ~ ., swiss),
    type = "lmg")``, Grömping 2006) on ``swiss`` and ``mtcars``, against the relative
    weights of R's rwa package README example (``mtcars``) and of the Python package
    relativeImp on ``swiss``, against a brute-force Shapley over all orders, and the
    bootstrap against a per-resample loop with the same counts; see
    tests/stats/test_importance.py.
    """
    df, outcome, preds = _check_inputs(df, outcome, predictors, method)
    n_boot = _checks.require_int(n_boot, "n_boot", 0)
    if seed is not None:
        seed = _checks.require_int(seed, "seed", 0)
    level = _checks.require_level(ci)

    cols = [outcome, *preds]
    x = df[cols].to_numpy(dtype=float, na_value=np.nan)
    if np.isinf(x).any():
        bad = [c for c, v in zip(cols, np.isinf(x).any(axis=0)) if v]
        raise ValueError(f"df: column(s) {', '.join(bad)} contain infinite values.")
    complete = ~np.isnan(x).any(axis=1)
    dropped = int(len(x) - complete.sum())
    if dropped:
        x = x[complete]
    n, q = x.shape
    p = q - 1
    if n < p + 2:
        raise ValueError(
            f"relative_importance needs at least {p + 2} complete rows for {p} predictors; "
            f"got {n} (after leaving out {dropped} with missing values)."
        )
    sd = x.std(axis=0)
    flat = [c for c, s in zip(cols, sd) if not s > 0]
    if flat:
        raise ValueError(
            f"df: column(s) {', '.join(flat)} have the same value on every complete row; "
            "a constant has no importance (leave it out)."
        )
    z = _standardize(x)
    corr = z.T @ z / n
    boot = _bootstrap_correlations(z, n_boot, np.random.default_rng(seed)) if n_boot > 0 else None
    return _from_correlations(corr, boot, preds, method, level, n=int(n), dropped=dropped, n_boot=n_boot, seed=seed)


def relative_importance_from_correlations(
    corr: pd.DataFrame,
    outcome: str,
    predictors: Sequence[str],
    *,
    n: int,
    boot: np.ndarray | None = None,
    method: str = "shapley",
    ci: float = 0.95,
    seed: object = None,
    dropped: int = 0,
) -> ImportanceResult:
    """Relative importance from a correlation matrix and the matrices of bootstrap resamples.

    The decomposition and intervals of :func:`relative_importance`, for callers that have the
    correlation matrix and its resamples but not the rows: for example a bootstrap that
    resamples customers, each matrix summed from per-customer cross products in a database
    (:func:`kit.moments.bootstrap_correlations`).

    Parameters
    ----------
    corr : DataFrame
        Correlation matrix labelled by variable; must contain `outcome` and `predictors`.
    outcome : str
    predictors : sequence of str
        At least 2; at most 12 for ``method="shapley"``.
    n : int
        Rows behind `corr` (reported as ``n``; at least predictors + 2).
    boot : ndarray, optional
        ``(B, q, q)`` correlation matrices of the resamples, variables in the order of
        ``corr.columns``; NaN or collinear resamples are left out (``n_boot_used``).
    method, ci : as :func:`relative_importance`
    seed : optional
        Recorded in the result (the resampling was done by the caller).
    dropped : int
        Rows the caller left out for a missing value (recorded).

    Returns
    -------
    ImportanceResult
        As :func:`relative_importance`; ``n_boot`` is the number of matrices in `boot`.

    Raises
    ------
    ValueError
        For a variable without variance (NaN correlations), collinear predictors, too few rows.

    Notes
    -----
    Shares the code of :func:`relative_importance`, which computes the matrices from the rows
    and calls the same decomposition: equal results for equal matrices
    (tests/stats/test_importance.py).

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame([[1, .5, .4], [.5, 1, .3], [.4, .3, 1]], index=list("yab"), columns=list("yab"))
    >>> res = relative_importance_from_correlations(c, "y", ["a", "b"], n=100)
    >>> round(float(res.table["raw"].sum()), 4) == round(res.r2, 4)
    True
    """
    _checks.require_dataframe(corr, "corr")
    _checks.require_column_name(outcome, "outcome")
    preds = [str(p) for p in predictors]
    if len(preds) < 2:
        raise ValueError(f"predictors must name at least 2 columns; got {len(preds)}.")
    _checks.require_choice(method, "method", _METHODS)
    if method == "shapley" and len(preds) > MAX_SHAPLEY_PREDICTORS:
        raise ValueError(f"method='shapley' takes at most {MAX_SHAPLEY_PREDICTORS} predictors; got {len(preds)}.")
    level = _checks.require_level(ci)
    cols = [outcome, *preds]
    missing = [c for c in cols if c not in corr.index or c not in corr.columns]
    if missing:
        raise ValueError(f"corr has no row/column {', '.join(map(repr, missing))}.")
    n = _checks.require_int(n, "n", 0)
    if n < len(preds) + 2:
        raise ValueError(f"relative importance needs at least {len(preds) + 2} complete rows for {len(preds)} "
                         f"predictors; got {n}.")
    pos = [corr.columns.get_loc(c) for c in cols]
    c0 = corr.loc[cols, cols].to_numpy(dtype=float)
    flat = [c for c, v in zip(cols, np.diag(c0)) if not np.isfinite(v)]
    if flat:
        raise ValueError(f"column(s) {', '.join(flat)} have the same value on every complete row; "
                         "a constant has no importance (leave it out).")
    if boot is not None:
        boot = np.asarray(boot, dtype=float)[:, pos][:, :, pos]
    n_boot = 0 if boot is None else len(boot)
    return _from_correlations(c0, boot, preds, method, level, n=n, dropped=int(dropped), n_boot=n_boot, seed=seed)


def _from_correlations(corr: np.ndarray, boot: np.ndarray | None, preds: list[str], method: str, level: float, *,
                       n: int, dropped: int, n_boot: int, seed: object) -> ImportanceResult:
    """The shares, ranks and differences from the (q x q) matrix, intervals from the resamples'."""
    q, p = len(preds) + 1, len(preds)
    corr = np.clip(np.asarray(corr, dtype=float), -1.0, 1.0)[None]
    corr[0, np.arange(q), np.arange(q)] = 1.0
    if not _usable(corr)[0]:
        raise ValueError(
            "predictors are collinear (their correlation matrix is singular or nearly so): "
            f"{', '.join(preds)}. Leave out predictors that are sums or copies of others."
        )
    decompose = _DECOMPOSE[method]
    raw, r2 = decompose(corr)
    raw, r2 = raw[0], float(r2[0])
    with np.errstate(invalid="ignore", divide="ignore"):
        share = raw / r2
    beta = np.linalg.solve(corr[0, 1:, 1:], corr[0, 1:, 0])
    rank = _st.rankdata(-share, method="min").astype(np.int64)

    out = pd.DataFrame(
        {
            "raw": raw,
            "importance": share,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "rank": rank,
            "rank_ci_low": np.nan,
            "rank_ci_high": np.nan,
            "beta": beta,
        },
        index=pd.Index(preds, name="predictor"),
    )
    pairs = list(itertools.combinations(range(p), 2))
    differences = pd.DataFrame(
        {
            "a": [preds[i] for i, _ in pairs],
            "b": [preds[j] for _, j in pairs],
            "diff": [share[i] - share[j] for i, j in pairs],
            "ci_low": np.nan,
            "ci_high": np.nan,
        }
    )
    used = 0
    if boot is not None and len(boot):
        ok = _usable(boot)
        used = int(ok.sum())
        if used:
            b_raw, b_r2 = decompose(boot[ok])
            with np.errstate(invalid="ignore", divide="ignore"):
                b_share = b_raw / b_r2[:, None]
            a = (1.0 - level) / 2.0
            lo, hi = np.quantile(b_share, [a, 1.0 - a], axis=0)
            out["ci_low"], out["ci_high"] = lo, hi
            b_rank = _st.rankdata(-b_share, method="min", axis=1)
            rlo, rhi = np.quantile(b_rank, [a, 1.0 - a], axis=0)
            out["rank_ci_low"] = np.floor(rlo + 1e-9)
            out["rank_ci_high"] = np.ceil(rhi - 1e-9)
            if pairs:
                ii = np.array([i for i, _ in pairs])
                jj = np.array([j for _, j in pairs])
                dlo, dhi = np.quantile(b_share[:, ii] - b_share[:, jj], [a, 1.0 - a], axis=0)
                differences["ci_low"], differences["ci_high"] = dlo, dhi
    return ImportanceResult(table=out, r2=float(r2), n=int(n), dropped=int(dropped), method=method,
                            n_boot=int(n_boot), n_boot_used=int(used), seed=seed, ci=float(level),
                            differences=differences)
