"""An installed kit (a wheel, not the source checkout) writes a project and runs its reports.

The wheel is built from the working tree and installed without its dependencies into a fresh
virtual environment; the dependencies come from the test environment through a ``.pth`` line
(so the test installs nothing from the network), their data files (nbconvert's templates)
through ``JUPYTER_PATH``. Then, in an empty folder far from the
checkout, ``kit init`` writes a project and ``kit run`` produces the sample's reports.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(cmd: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "KIT_PROJECT"}}
    env["PYTHONIOENCODING"] = "utf-8"
    # the dependencies' data files (nbconvert's templates) stay where the test environment has them
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def test_wheel_install_writes_a_project_and_runs_the_sample_reports(tmp_path: Path):
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels),
          str(ROOT)], cwd=tmp_path)
    wheel = next(wheels.glob("*.whl"))
    assert wheel.name.startswith("kpi_satisfaction_kit-")  # "kit" is another project's name on the index
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in ("kit/project/notebooks/90_management_summary.ipynb", "kit/project/parameters/default.yaml",
                    "kit/project/parameters/instrument.yaml", "kit/locales/zh.yaml"):
        assert shipped in names, shipped
    assert not [n for n in names if n.startswith(("tests/", "notebooks/", "data/"))]

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    site = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=tmp_path).stdout.strip())
    (site / "kit_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")  # the dependencies only
    _run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q", str(wheel)], cwd=tmp_path)
    where = _run([str(py), "-c", "import kit; print(kit.__file__)"], cwd=tmp_path).stdout.strip()
    assert where.startswith(str(site)), where  # the installed copy, not the checkout

    empty = tmp_path / "somewhere" / "else"
    empty.mkdir(parents=True)
    kit = str(env_dir / "bin" / "kit")
    _run([kit, "init", "proj"], cwd=empty)
    project = empty / "proj"
    assert sorted(p.name for p in (project / "notebooks").glob("*.ipynb"))[0] == "00_data_quality.ipynb"
    assert (project / "parameters" / "default.yaml").is_file() and any((project / "data" / "samples").glob("reps.*"))
    proc = _run([kit, "run", "--lang", "en"], cwd=project, timeout=900)
    assert "done in" in proc.stdout, proc.stdout
    quarter = [p for p in (project / "outputs").iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert len(quarter) == 1, quarter
    manifest = json.loads((quarter[0] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "ok" and len(manifest["notebooks"]) == 5
    for nb in manifest["notebooks"]:
        assert (quarter[0] / nb["management_html"]).is_file() and (quarter[0] / nb["analyst_html"]).is_file()
    assert not (quarter[0] / ".saved").exists()  # the run's internal results are not published
