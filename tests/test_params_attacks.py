"""Parameter files and --set values written carelessly or to harm: refused fast, with the place named."""

from __future__ import annotations

import math
import re
import time
from pathlib import Path

import pytest

from kit import params as P
from kit import safeyaml

BILLION_LAUGHS = """\
weights:
  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
  i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def _write(tmp_path: Path, text: str, name: str = "p.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_billion_laughs_is_refused_at_once(tmp_path: Path):
    p = _write(tmp_path, BILLION_LAUGHS)
    assert p.stat().st_size < 1024
    t0 = time.perf_counter()
    with pytest.raises(P.ParamsError, match=r"p\.yaml, line 2: anchors \(&a\) are not allowed"):
        P.read(p)
    assert time.perf_counter() - t0 < 1.0


def test_aliases_and_merge_keys_are_refused(tmp_path: Path):
    with pytest.raises(P.ParamsError, match="line 2: aliases"):
        P.read(_write(tmp_path, "min_n: 5\nlang: *x\n"))
    with pytest.raises(P.ParamsError, match="aliases"):
        P.parse_set(["kpi=*x"])
    with pytest.raises(P.ParamsError, match="merge keys"):
        P.read(_write(tmp_path, "kpi:\n  <<: {callback_hours: 1}\n"))


def test_many_unknown_keys_are_rejected_quickly_with_short_messages(tmp_path: Path):
    text = "".join(f"key_{i}_{'x' * 200}: {'v' * 500}\n" for i in range(500))
    t0 = time.perf_counter()
    with pytest.raises(P.ParamsError) as err:
        P.validate(P.read(_write(tmp_path, text)))
    assert time.perf_counter() - t0 < 5.0
    assert len(err.value.problems) == 500
    assert max(len(p) for p in err.value.problems) < 400


def test_a_huge_value_is_shown_shortened():
    with pytest.raises(P.ParamsError) as err:
        P.validate({"lang": "x" * 100_000, "analysis": {"n_boot": list(range(100_000))}})
    assert len(str(err.value)) < 1000


@pytest.mark.parametrize("text,line", [
    ("min_n: 5\nmin_n: 6\n", 2),
    ("kpi:\n  callback_hours: 24\n  callback_hours: 48\n", 3),
    ("weights: {csat_mean: 50, csat_mean: 50}\n", 1),
])
def test_duplicate_keys_are_an_error(tmp_path: Path, text, line):
    with pytest.raises(P.ParamsError, match=rf"p\.yaml, line {line}: the key .* is given twice"):
        P.read(_write(tmp_path, text))


@pytest.mark.parametrize("text", [
    "kpi:\n  callback_hours: .nan\n",
    "kpi:\n  sla_hours: {complaint: .nan}\n",
    "analysis:\n  cap: .inf\n",
    "max_quarantine_share: -.inf\n",
    "weights: {csat_mean: .NaN, revenue_won: 100}\n",
])
def test_nan_and_inf_are_refused_in_files(tmp_path: Path, text):
    with pytest.raises(P.ParamsError, match="is not a finite number"):
        P.read(_write(tmp_path, text))


@pytest.mark.parametrize("item", ["kpi.callback_hours=.nan", "kpi.sla_hours.complaint=.inf", "min_n=-.inf"])
def test_nan_and_inf_are_refused_on_the_command_line(item):
    with pytest.raises(P.ParamsError, match="is not a finite number"):
        P.parse_set([item])


@pytest.mark.parametrize("spec,path", [
    ({"kpi": {"callback_hours": math.nan}}, "kpi.callback_hours"),
    ({"kpi": {"sla_hours": {"complaint": float("nan")}}}, "kpi.sla_hours.complaint"),
    ({"kpi": {"business_hours": [9, math.inf]}}, "kpi.business_hours[1]"),
    ({"analysis": {"validity": {"fdr": math.nan}}}, "analysis.validity.fdr"),
])
def test_nan_and_inf_are_refused_when_given_in_python(spec, path):
    with pytest.raises(P.ParamsError, match=re.escape(path) + " is not a finite number"):
        P.validate(spec)


@pytest.mark.parametrize("item", ["min_n=", "min_n=  ", "lang=", "min_n=null", "min_n=~"])
def test_an_empty_set_value_is_an_error(item):
    with pytest.raises(P.ParamsError, match=r"the value is empty|null is not a value"):
        P.parse_set([item])


@pytest.mark.parametrize("n_boot", [0, 1, 50, 99])
def test_too_few_bootstrap_resamples_are_refused(n_boot):
    with pytest.raises(P.ParamsError, match="analysis.n_boot must be a whole number from 100 to 100000"):
        P.validate({"analysis": {"n_boot": n_boot}})


def test_the_documented_minimum_of_n_boot_runs(sample):
    # the smallest n_boot the parameters allow gives finite intervals on the sample data
    import numpy as np

    import kit

    assert P.validate({"analysis": {"n_boot": 100}})["analysis"]["n_boot"] == 100
    table = kit.analysis.drivers(sample, "2026Q3", n_boot=100)
    ci = table[["ci_low", "ci_high"]].to_numpy(dtype=float)
    assert len(ci) and np.isfinite(ci).all() and (ci[:, 0] <= ci[:, 1]).all()


def test_safeyaml_refuses_oversized_text():
    with pytest.raises(safeyaml.YamlError, match="at most"):
        safeyaml.load("a: 1\n" * 300_000, source="big.yaml")
