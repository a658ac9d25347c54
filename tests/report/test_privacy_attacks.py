"""Suppression and pseudonyms that hold when someone tries to get round them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kit.report as R
from kit.report.privacy import PSEUDONYM_DIGITS, audit_suppression, derived_columns, pseudonym, weak_salt
from tests.report.helpers import cli

ROOT = Path(__file__).resolve().parents[2]


# --- pseudonyms -------------------------------------------------------------------------------------


def test_pseudonyms_do_not_collide_among_100000_reps():
    ids = [f"R{i:06d}" for i in range(100_000)]
    names = {pseudonym(i, "k3-Qv9x2Lp") for i in ids}
    assert len(names) == len(ids)
    # birthday bound at this length: 100,000^2 / 2^(4*12+1) < 0.0001 (six digits gave ~24% at 3,000)
    assert 100_000 ** 2 / 2 ** (4 * PSEUDONYM_DIGITS + 1) < 1e-4
    assert all(len(p) == 4 + PSEUDONYM_DIGITS for p in list(names)[:10])


@pytest.mark.parametrize("salt,weak", [("", True), ("   ", True), ("salt", True), ("changeme", True),
                                       ("aaaaaaaaaaaa", True), ("pepper", True), ("k3-Qv9x2Lp", False)])
def test_weak_salts(salt, weak):
    assert weak_salt(salt) is weak


def test_pseudonymize_without_a_secret_salt_is_refused(tmp_path: Path, monkeypatch):
    from tests import tiny

    data = tiny.write_tiny(tmp_path / "d")
    monkeypatch.setenv("KIT_PSEUDONYM_SALT", "")
    proc = cli("run", "--quarter", "2026Q3", "--source", str(data), "--out", str(tmp_path / "out"),
               "--notebook-dir", str(ROOT / "tests" / "notebooks"), "--notebooks", "ok_report", "--pseudonymize",
               cwd=ROOT)
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "needs a secret pseudonym_salt" in proc.stderr and "--allow-unsalted" in proc.stderr
    assert not list((tmp_path / "out").glob("2026Q3*"))


def test_pseudonyms_reach_lists_inside_cells(tmp_path: Path):
    from tests import tiny

    report = R.begin(source=str(tiny.write_tiny(tmp_path / "d")), quarter="2026Q3", results_dir=str(tmp_path / "res"),
                     pseudonymize=True, pseudonym_salt="k3-Qv9x2Lp", show=False)
    df = pd.DataFrame({"id": ["csat_mean", "nps"], "gaming_reps": [["R1", "R2"], ("R3",)],
                       "by_rep": [{"R1": 0.5}, {}], "arr": [np.array(["R2"]), np.array([])]})
    report.save_table(df, "lists")
    text = (tmp_path / "res" / "lists.csv").read_text(encoding="utf-8-sig")
    for rid in ("R1", "R2", "R3"):
        assert f"'{rid}'" not in text and pseudonym(rid, "k3-Qv9x2Lp") in text, text


def test_the_output_scan_finds_rep_ids_as_whole_words(tmp_path: Path):
    (tmp_path / "a.csv").write_text("kpi,gaming_reps\nnps,\"['R003', 'R008']\"\nx,R0031 AR003 R003x\n",
                                    encoding="utf-8")
    found = R.scan_outputs(tmp_path, ids=["R003", "R008"])
    assert [(f.kind, f.line) for f in found] == [("rep id", 2), ("rep id", 2)]


# --- small-n suppression ----------------------------------------------------------------------------


def _card() -> pd.DataFrame:
    return pd.DataFrame({
        "rep_name": ["A", "B"], "composite": [0.3, -0.1],
        "csat_mean": [4.5, 4.2], "raw_csat_mean": [4.667, 4.1], "n_csat_mean": [3, 40], "z_csat_mean": [1.2, 0.1],
        "csat_mean_low": [4.0, 4.0], "csat_mean_high": [5.0, 4.4], "rank_csat_mean": [1, 2],
    }, index=pd.Index(["R001", "R002"], name="rep_id"))


def test_every_form_of_a_suppressed_figure_is_blank():
    out = R.suppress_small(_card(), "n_{}", min_n=5, cols=["csat_mean"])
    row = out.loc["R001"]
    for col in ("csat_mean", "raw_csat_mean", "z_csat_mean", "csat_mean_low", "csat_mean_high", "rank_csat_mean"):
        assert pd.isna(row[col]), col
        assert out.loc["R002", col] == _card().loc["R002", col], col
    assert row["n_csat_mean"] == 3 and row["composite"] == 0.3
    assert derived_columns("nps", ["nps", "raw_nps", "n_nps", "npsx", "z_nps"]) == ["raw_nps", "z_nps"]


def test_the_audit_finds_every_readable_small_n_figure(tmp_path: Path):
    _card().to_csv(tmp_path / "card.csv", encoding="utf-8-sig")
    a = audit_suppression(tmp_path, 5)
    assert a.cells == 2 and a.blanked == 1 and not a.everything_blanked
    assert sorted(x.rsplit(", ", 1)[1] for x in a.leaks) == sorted(
        ["csat_mean", "raw_csat_mean", "z_csat_mean", "csat_mean_low", "csat_mean_high", "rank_csat_mean"])
    R.suppress_small(_card(), "n_{}", min_n=5, cols=["csat_mean"]).to_csv(tmp_path / "card.csv", encoding="utf-8-sig")
    assert audit_suppression(tmp_path, 5).leaks == []
    assert len(audit_suppression(tmp_path, 1000).leaks) == 6  # R002's figures leak under min_n = 1000
    blank = R.suppress_small(_card(), "n_{}", min_n=1000, cols=["csat_mean"])
    blank.to_csv(tmp_path / "card.csv", encoding="utf-8-sig")
    big = audit_suppression(tmp_path, 1000)
    assert big.everything_blanked and big.leaks == []


def test_case_mix_tables_with_one_count_column(tmp_path: Path):
    df = pd.DataFrame({"rep_id": ["R1", "R2"], "n": [2, 30], "raw": [4.9, 4.0], "shrunk": [4.3, 4.0],
                       "lower": [3.9, 3.8], "upper": [4.7, 4.2], "weight": [0.1, 0.8]})
    df.to_csv(tmp_path / "mix.csv", index=False)
    assert len(audit_suppression(tmp_path, 5).leaks) == 4  # raw, shrunk, lower, upper of R1; weight is no figure
    R.suppress_small(df, "n", 5, ["raw", "shrunk", "lower", "upper"]).to_csv(tmp_path / "mix.csv", index=False)
    assert audit_suppression(tmp_path, 5).leaks == []


def test_a_report_min_n_raises_the_scorecard_bar(sample_data):
    import kit

    # two estimated KPIs: a total (revenue) is the rep's own business, not an estimate from few
    # rows, and counts whatever its n (a rep who won nothing has 0), so it is left out here
    weights = {"csat_mean": 50, "sla_met_rate": 50}
    low = kit.analysis.scorecard(sample_data, "2026Q3", weights=weights)
    high = kit.analysis.scorecard(sample_data, "2026Q3", weights=weights, min_n=10_000)
    assert low["z_csat_mean"].notna().any() and high["z_csat_mean"].isna().all()
    assert high["composite"].isna().all() and set(high["tier"]) == {"insufficient data"}
    # a min_n below a KPI's own never lowers it
    one = kit.analysis.scorecard(sample_data, "2026Q3", weights=weights, min_n=1)
    assert one["z_csat_mean"].notna().sum() == low["z_csat_mean"].notna().sum()


@pytest.fixture(scope="module")
def sample_data():
    import kit

    return kit.load(ROOT / "data" / "samples")


def test_strict_run_fails_when_min_n_blanks_everything(shared, tmp_path: Path):
    # the shared tiny run has fewer than min_n responses per rep: every figure is blank, a warning
    m = json.loads((shared.out / "2026Q3" / "manifest.json").read_text(encoding="utf-8"))
    assert m["status"] == "ok" and len(m["warnings"]) == 1 and "min_n = 5" in m["warnings"][0]
    index = (shared.out / "2026Q3" / "index.html").read_text(encoding="utf-8")
    assert "警告" in index and "min_n = 5" in index
    proc = cli("run", "--quarter", "2026Q3", "--source", str(shared.data), "--out", str(tmp_path / "o"),
               "--notebook-dir", str(ROOT / "tests" / "notebooks"), "--notebooks", "ok_report", "--strict",
               cwd=shared.params_dir.parent)
    assert proc.returncode == 5 and "--strict" in proc.stderr, proc.stdout + proc.stderr
    assert (tmp_path / "o" / "2026Q3" / "index.html").is_file()  # written, with the warning


@pytest.mark.parametrize("args", [["run", "--bogus"], ["validate"], ["run", "--jobs", "0"], ["nosuchcommand"]])
def test_usage_errors_have_their_own_exit_code(args):
    proc = cli(*args)
    assert proc.returncode == 4 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode != 2  # 2 is kept for schema problems


# --- one run per output folder ----------------------------------------------------------------------


def test_a_second_run_on_the_same_folder_is_refused_naming_the_holder(shared, tmp_path: Path):
    import os

    from kit.report.lock import LockError, OutputLock

    out = tmp_path / "out"
    with OutputLock(out):
        proc = cli("run", "--quarter", "2026Q3", "--source", str(shared.data), "--out", str(out),
                   "--notebook-dir", str(ROOT / "tests" / "notebooks"), "--notebooks", "ok_report",
                   cwd=shared.params_dir.parent)
        assert proc.returncode == 4, proc.stdout + proc.stderr
        assert f"process {os.getpid()}" in proc.stderr and "is being written by" in proc.stderr
        with pytest.raises(LockError, match="wait for that run|Wait for that run"):
            with OutputLock(out, wait=0.3):
                pass
    with OutputLock(out):  # released when its holder is done
        pass
    assert not list(out.glob("2026Q3*"))


def test_an_output_folder_that_cannot_be_made_is_named(tmp_path: Path, shared):
    # (a read-only file system needs a mount; a file where a folder should be fails the same way, even for root)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    proc = cli("run", "--quarter", "2026Q3", "--source", str(shared.data), "--out", str(blocker / "reports"),
               "--notebook-dir", str(ROOT / "tests" / "notebooks"), cwd=shared.params_dir.parent)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert str(blocker / "reports") in proc.stderr and "Not a directory" in proc.stderr, proc.stderr
    assert "unexpected error" not in proc.stderr
