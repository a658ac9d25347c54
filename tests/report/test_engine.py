"""The engine: real runs of the test notebooks (kit/report/engine.py).

The runs use the notebooks of tests/notebooks/ on the tiny data set (tests/tiny.py). One run
(``ok_report`` for 2026Q2 and 2026Q3, two at a time) is shared by the tests of this module and
tests/test_browser.py; the other runs are small and each checks one promise (failure handling,
a killed run, personal data, pseudonyms, caching).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import kit
import kit.report as R
from kit import params as P
from kit.report import render
from tests.notebooks.runs import NOTEBOOKS, ROOT, make_inputs
from tests.report.helpers import assert_self_contained, cli, manifest, text_of


def test_find_notebooks_selection():
    names = [p.stem for p in R.find_notebooks(NOTEBOOKS)]
    assert names == sorted(names) and {"ok_report", "raises", "sleeps", "leaks"} <= set(names)
    assert [p.stem for p in R.find_notebooks(NOTEBOOKS, ["raises.ipynb,ok"])] == ["ok_report", "raises"]
    with pytest.raises(R.ReportError, match="matches none"):
        R.find_notebooks(NOTEBOOKS, ["nope"])
    with pytest.raises(R.ReportError, match="no notebooks"):
        R.find_notebooks(NOTEBOOKS.parent / "stats" if (NOTEBOOKS.parent / "stats").is_dir() else ROOT / "kit")


def test_shared_run_writes_both_quarters(shared):
    assert shared.result.ok, shared.result.summary()
    assert [q.status for q in shared.result.quarters] == ["ok", "ok"]
    names = sorted(p.name for p in shared.out.iterdir())
    assert names == [".cache", ".kit-run.lock", "2026Q2", "2026Q3", "index.html"]  # no temporary folder left
    for q in ("2026Q2", "2026Q3"):
        folder = shared.out / q
        for rel in ("index.html", "manifest.json", "parameters.yaml",
                    "parameters_" + ("2026Q3" if q == "2026Q2" else "2026Q4") + ".yaml",
                    "management/ok_report.html", "analyst/ok_report.html", "notebooks/ok_report.ipynb",
                    "results/test_channels.csv", "results/test_rep_kpis.csv"):
            assert (folder / rel).is_file(), f"{q}/{rel}"


def test_progress_lines(shared):
    # (the tiny data has fewer than min_n responses per rep: each quarter warns that every figure is blank)
    pattern = re.compile(r"^(data: .+|kit run: .+|\[2026Q[23]\] (running .+|ok_report\s+ok\s+\d+\.\d s|done in .+"
                         r"|warning: min_n = 5 blanks every rep figure .+))$")
    assert all(pattern.match(line) for line in shared.lines), shared.lines
    assert sum(bool(re.match(r"^\[2026Q[23]\] ok_report\s+ok", line)) for line in shared.lines) == 2


def test_manifest(shared):
    m = manifest(shared.out / "2026Q3")
    assert m["status"] == "ok" and m["quarter"] == "2026Q3" and m["kit_version"] == kit.__version__
    assert m["lang"] == "zh" and len(m["cache_key"]) == 32
    assert m["parameters"]["min_n"] == 5 and "pseudonym_salt" not in m["parameters"]
    assert sum(m["parameters"]["weights"].values()) == pytest.approx(100)
    assert m["data"]["fingerprints"] == kit.load(shared.data).fingerprints
    assert m["data"]["rows"]["interactions"] == 11
    nb = m["notebooks"][0]
    assert nb["name"] == "ok_report" and nb["status"] == "ok" and nb["duration_s"] > 0
    import hashlib

    assert nb["sha256"] == hashlib.sha256((NOTEBOOKS / "ok_report.ipynb").read_bytes()).hexdigest()
    assert set(nb["results"]) >= {"test_channels.csv", "test_rep_kpis.csv", "next_quarter_params.yaml"}
    for pkg in ("python", "papermill", "nbconvert", "pandas", "matplotlib", "kit"):
        assert m["packages"][pkg], pkg
    assert m["next_quarter_parameters"] == {"quarter": "2026Q4", "file": "parameters_2026Q4.yaml"}
    assert m["privacy"]["findings"] == [] and m["kernel"]["python"] == sys.executable
    assert m["parameter_files"][0]["path"].endswith("default.yaml")


def test_reports_are_self_contained_and_management_has_no_code(shared):
    folder = shared.out / "2026Q3"
    mgmt = (folder / "management" / "ok_report.html").read_text(encoding="utf-8")
    analyst = (folder / "analyst" / "ok_report.html").read_text(encoding="utf-8")
    for page, where in ((mgmt, "management"), (analyst, "analyst"),
                        ((folder / "index.html").read_text(encoding="utf-8"), "index"),
                        ((shared.out / "index.html").read_text(encoding="utf-8"), "overview")):
        assert_self_contained(page, where)
    assert '<html lang="zh">' in mgmt and "本报告采用的参数" in mgmt and "数据范围" in mgmt
    assert re.search(r'<img[^>]+src="data:image/png;base64,', mgmt)  # the chart, embedded
    assert "kit.report.begin" not in text_of(mgmt) and "import matplotlib" not in text_of(mgmt)  # no code
    assert "injected-parameters" not in mgmt and "data_snapshot" not in mgmt
    assert "a warning that only the analyst report shows" not in mgmt  # no stderr noise
    assert 'class="jp-InputPrompt' not in mgmt and 'class="jp-OutputPrompt' not in mgmt
    assert "kit.report.begin" in text_of(analyst) and "a warning that only the analyst report shows" in analyst
    assert "[已隐去]" in mgmt and "王伟" in mgmt  # redacted comment; names shown (pseudonyms off)


def test_results_parameters_and_index_pages(shared):
    folder = shared.out / "2026Q3"
    kpis = pd.read_csv(folder / "results" / "test_rep_kpis.csv", encoding="utf-8-sig")
    assert kpis["comment"].tolist() == ["回访电话 [已隐去]"] * 3
    chan = pd.read_csv(folder / "results" / "test_channels.csv", encoding="utf-8-sig")
    assert chan.set_index("channel")["interactions"].to_dict() == {"email": 3, "phone": 4, "chat": 1, "visit": 1,
                                                                   "meeting": 1}
    nxt = P.read(folder / "parameters_2026Q4.yaml")
    assert nxt["quarter"] == "2026Q4" and P.validate(nxt)["weights"]["revenue_won"] == 20
    in_force = P.read(folder / "parameters.yaml")
    assert in_force["quarter"] == "2026Q3" and "pseudonym_salt" not in in_force
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert "2026Q3 季度报告" in index and "下季度（2026Q4）参数建议" in index
    for href in re.findall(r'href="([^"#]+)"', index):
        assert (folder / href).is_file(), href
    overview = (shared.out / "index.html").read_text(encoding="utf-8")
    assert 'href="2026Q3/index.html"' in overview and 'href="2026Q2/index.html"' in overview
    executed = nbformat.read(folder / "notebooks" / "ok_report.ipynb", as_version=4)
    assert executed.metadata["kernelspec"]["name"] == "python3"  # opens with the notebook's own kernel


def test_unchanged_rerun_is_skipped_quickly(shared):
    lines: list[str] = []
    before = {q: manifest(shared.out / q)["started_at"] for q in ("2026Q2", "2026Q3")}
    t0 = time.perf_counter()
    res = R.run("2026Q2:2026Q3", source=str(shared.data), out=shared.out, notebooks=["ok_report"],
                notebook_dir=NOTEBOOKS, jobs=2, params_dir=shared.params_dir, echo=lines.append)
    took = time.perf_counter() - t0
    assert [q.status for q in res.quarters] == ["skipped", "skipped"] and res.ok
    assert sum("unchanged, skipped" in line for line in lines) == 2
    assert took < shared.seconds / 20, (took, shared.seconds)
    assert {q: manifest(shared.out / q)["started_at"] for q in ("2026Q2", "2026Q3")} == before


def test_changed_parameters_or_force_run_again(shared, tmp_path: Path):
    out = tmp_path / "outputs"
    shutil.copytree(shared.out, out)
    old = manifest(out / "2026Q3")
    res = R.run("2026Q3", source=str(shared.data), out=out, notebooks=["ok_report"], notebook_dir=NOTEBOOKS,
                params_dir=shared.params_dir, overrides={"min_n": 3}, echo=lambda s: None)
    assert res.quarters[0].status == "ok"
    new = manifest(out / "2026Q3")
    assert new["cache_key"] != old["cache_key"] and new["parameters"]["min_n"] == 3
    lines: list[str] = []
    res = R.run("2026Q3", source=str(shared.data), out=out, notebooks=["ok_report"], notebook_dir=NOTEBOOKS,
                params_dir=shared.params_dir, overrides={"min_n": 3}, force=True, echo=lines.append)
    assert res.quarters[0].status == "ok" and not any("skipped" in line for line in lines)
    assert manifest(out / "2026Q3")["started_at"] >= new["started_at"]
    assert not [p for p in out.iterdir() if p.name.startswith(".2026Q3")]


def test_failing_notebook_keeps_previous_report_and_other_quarters_go_on(shared, tmp_path: Path):
    out = tmp_path / "outputs"
    shutil.copytree(shared.out, out)
    before = (out / "2026Q2" / "manifest.json").read_bytes()
    proc = cli("run", "--quarters", "2026Q2:2026Q3", "--source", str(shared.data), "--out", str(out),
                "--notebook-dir", str(NOTEBOOKS), "--notebooks", "raises", "--jobs", "2", "--lang", "en",
                "--set", "min_n=4", cwd=shared.params_dir.parent)
    assert proc.returncode == 5, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "kit run: FAILED for 2026Q2" in proc.stderr
    # the summary names the notebook, the cell and the exception line
    assert re.search(r"- raises: cell \d+ \(In \[\d+\]\): ValueError: planted failure for 2026Q2 at "
                     r"`raise ValueError\(f\"planted failure for \{report.quarter\}\"\)`", proc.stdout), proc.stdout
    for line in proc.stdout.splitlines():  # whole lines even with two quarters at once
        line = re.sub(r"^\d{4}-\d\d-\d\dT[\d:]+[+-]\d\d:\d\d ", "", line)  # a log line's timestamp
        assert re.match(r"^(data: |kit run: |\[2026Q[23]\] |FAILED 2026Q2|  - raises|    executed copy)", line), line
    assert (out / "2026Q2" / "manifest.json").read_bytes() == before  # previous good report kept
    failed = sorted(out.glob("2026Q2.failed-*"))
    assert len(failed) == 1
    executed = nbformat.read(failed[0] / "notebooks" / "raises.ipynb", as_version=4)
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors and errors[0]["ename"] == "ValueError"
    fm = manifest(failed[0])
    assert fm["status"] == "failed" and fm["notebooks"][0]["error"]["ename"] == "ValueError"
    # the other quarter went on and replaced its report (in English now)
    q3 = manifest(out / "2026Q3")
    assert q3["status"] == "ok" and q3["lang"] == "en" and [n["name"] for n in q3["notebooks"]] == ["raises"]
    assert "Reports for 2026Q3" in (out / "2026Q3" / "index.html").read_text(encoding="utf-8")
    overview = (out / "index.html").read_text(encoding="utf-8")
    assert "2026Q2.failed-" in overview and 'href="2026Q2.failed' not in overview
    assert not [p for p in out.iterdir() if p.name.startswith(".2026")]


def _wait_for(predicate, timeout: float, proc: subprocess.Popen) -> None:
    t0 = time.time()
    while time.time() - t0 < timeout:
        if predicate():
            return
        if proc.poll() is not None:
            raise AssertionError(f"kit run ended early: {proc.returncode}\n{proc.stdout.read() if proc.stdout else ''}")
        time.sleep(0.2)
    raise AssertionError("timed out")


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait(timeout=30)


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_a_killed_run_leaves_the_previous_report_intact(shared, tmp_path: Path, how):
    out = tmp_path / "outputs"
    shutil.copytree(shared.out, out)
    before = {p.relative_to(out / "2026Q3"): p.read_bytes() for p in (out / "2026Q3").rglob("*") if p.is_file()}
    notebooks = "ok_report,sleeps"  # run side by side (or one after the other on one CPU)
    cmd = [sys.executable, "-m", "kit.cli", "run", "--quarter", "2026Q3", "--source", str(shared.data), "--out",
           str(out), "--notebook-dir", str(NOTEBOOKS), "--notebooks", notebooks, "--force"]
    proc = subprocess.Popen(cmd, cwd=shared.params_dir.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        # midway: the sleeping notebook is running in the temporary folder
        def sleeping() -> bool:
            return any((p / "logs" / "sleeps.kernel.log").exists() for p in out.glob(".2026Q3.tmp-*"))

        _wait_for(sleeping, 120, proc)
        time.sleep(1.0)
        if how == "SIGKILL":
            proc.kill()  # the run, not its kernels: as when a machine or scheduler kills it
            proc.wait(timeout=30)
            temps = list(out.glob(".2026Q3.tmp-*"))
            assert len(temps) == 1 and not (temps[0] / "manifest.json").exists()
        else:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 130
            assert "interrupted" in proc.stdout.read()
            assert not list(out.glob(".2026Q3.tmp-*"))  # removed on the way out
    finally:
        _kill_group(proc)
    after = {p.relative_to(out / "2026Q3"): p.read_bytes() for p in (out / "2026Q3").rglob("*") if p.is_file()}
    assert after == before  # the previous good report, byte for byte
    # nothing half-written passes for a report: the overview lists the good ones only
    render.write_overview(out, "zh")
    overview = (out / "index.html").read_text(encoding="utf-8")
    assert ".tmp-" not in overview and 'href="2026Q3/index.html"' in overview
    # the next run tidies up what the killed one left
    res = R.run("2026Q3", source=str(shared.data), out=out, notebooks=["ok_report"], notebook_dir=NOTEBOOKS,
                params_dir=shared.params_dir, echo=lambda s: None)
    assert res.quarters[0].status == "skipped"
    assert not list(out.glob(".2026Q3.*"))


def test_personal_data_in_an_output_fails_the_quarter(shared, tmp_path: Path):
    out = tmp_path / "outputs"
    shutil.copytree(shared.out, out)
    before = (out / "2026Q3" / "manifest.json").read_bytes()
    res = R.run("2026Q3", source=str(shared.data), out=out, notebooks=["leaks"], notebook_dir=NOTEBOOKS,
                params_dir=shared.params_dir, echo=lambda s: None)
    q = res.quarters[0]
    assert q.status == "failed" and not res.ok
    assert "personal data in the outputs" in res.summary()
    assert "w***@example.com" in res.summary() and "138****8851" in res.summary()
    assert "wang.wei@example.com" not in res.summary() and "13800138851" not in res.summary()
    assert (out / "2026Q3" / "manifest.json").read_bytes() == before


def test_pseudonymized_run(tmp_path: Path):
    data, params = make_inputs(tmp_path)
    out = tmp_path / "outputs"
    res = R.run("2026Q3", source=str(data), out=out, notebooks=["ok_report"], notebook_dir=NOTEBOOKS,
                params_dir=params, pseudonymize=True, overrides={"pseudonym_salt": "s3cret-salt"},
                echo=lambda s: None)
    assert res.ok, res.summary()
    folder = out / "2026Q3"
    kpis = pd.read_csv(folder / "results" / "test_rep_kpis.csv", encoding="utf-8-sig")
    assert kpis["rep_id"].tolist() == [R.pseudonym(r, "s3cret-salt") for r in ("R1", "R2", "R3")]
    assert kpis["rep_name"].tolist() == kpis["rep_id"].tolist()
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in folder.rglob("*")
             if p.is_file() and p.suffix in {".html", ".csv", ".ipynb", ".json", ".yaml", ".log"}]
    for name in ("王伟", "Li Na", "张敏", "s3cret-salt"):
        assert not any(name in t for t in texts), name
    m = manifest(folder)
    assert m["privacy"]["pseudonymized"] is True and m["parameters"]["pseudonymize"] is True
    assert "销售人员姓名已替换为化名" in (folder / "management" / "ok_report.html").read_text(encoding="utf-8")


def test_cli_schema_and_parameter_errors_stop_before_any_notebook(tmp_path: Path):
    from tests import tiny

    bad = tiny.write_tiny(tmp_path / "bad", tables={**tiny.TABLES, "reps": [["rep_id", "team"], ["R1", "x"]]})
    out = tmp_path / "outputs"
    proc = cli("run", "--quarter", "2026Q3", "--source", str(bad), "--out", str(out), "--notebook-dir", str(NOTEBOOKS))
    assert proc.returncode == 2, proc.stderr
    assert "column 'rep_name' is missing" in proc.stderr and "Traceback" not in proc.stderr
    assert not (out / "2026Q3").exists()
    good = tiny.write_tiny(tmp_path / "good")
    proc = cli("run", "--quarter", "2026Q3", "--source", str(good), "--out", str(out), "--notebook-dir",
                str(NOTEBOOKS), "--set", "min_n=0", "--set", "lang=fr")
    assert proc.returncode == 4 and "Traceback" not in proc.stderr
    assert "min_n must be a whole number >= 1; got 0" in proc.stderr and "lang must be one of zh, en" in proc.stderr
    proc = cli("run", "--quarter", "2019Q1", "--source", str(good), "--out", str(out), "--notebook-dir", str(NOTEBOOKS))
    assert proc.returncode == 4 and "no data for 2019Q1" in proc.stderr and "2026Q2 to 2026Q4" in proc.stderr
    assert not [p for p in out.iterdir() if p.name.startswith("2026")] if out.exists() else True


def test_unchanged_rerun_from_the_command_line_loads_no_pandas(shared, tmp_path: Path):
    out = tmp_path / "outputs"
    shutil.copytree(shared.out, out)
    code = ("import sys, runpy; sys.argv = ['kit'] + sys.argv[1:]\n"
            "try:\n    runpy.run_module('kit.cli', run_name='__main__')\n"
            "except SystemExit as e:\n    print('EXIT', e.code, 'pandas' in sys.modules)\n")
    proc = subprocess.run([sys.executable, "-c", code, "run", "--quarters", "2026Q2:2026Q3", "--source",
                           str(shared.data),
                           "--out", str(out), "--notebook-dir", str(NOTEBOOKS), "--notebooks", "ok_report"],
                          cwd=shared.params_dir.parent, capture_output=True, text=True, timeout=120)
    assert proc.stdout.count("unchanged, skipped") == 2, proc.stdout + proc.stderr
    assert "EXIT 0 False" in proc.stdout  # decided from hashes: no pandas, no kit.load, no kernel


def test_existing_commands_still_work():
    proc = cli("--help")
    assert proc.returncode == 0
    for name in ("validate", "kpis", "sample", "run"):
        assert name in proc.stdout
