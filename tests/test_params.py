"""Parameters: merging default / quarter / --params / command line, safe YAML, validation messages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

import kit.kpis
from kit import params as P
from kit.config import defaults

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def pdir(tmp_path: Path) -> Path:
    d = tmp_path / "parameters"
    d.mkdir()
    shutil.copyfile(ROOT / "parameters" / "default.yaml", d / "default.yaml")
    return d


def _problems(spec: dict) -> str:
    with pytest.raises(P.ParamsError) as err:
        P.validate(spec)
    return str(err.value)


# --- the default file ---------------------------------------------------------------------------


def test_default_file_is_valid_and_complete():
    raw = yaml.safe_load((ROOT / "parameters" / "default.yaml").read_text(encoding="utf-8"))
    assert set(raw) <= set(P.KNOWN_KEYS)
    for key in ("lang", "pseudonymize", "min_n", "max_quarantine_share", "fiscal_start_month", "source", "kpi",
                "weights", "analysis"):
        assert key in raw, key
    values = P.validate(raw)
    assert values["lang"] == "zh" and values["pseudonymize"] is False


def test_default_weights_cover_the_catalogue_and_sum_to_100():
    raw = yaml.safe_load((ROOT / "parameters" / "default.yaml").read_text(encoding="utf-8"))
    w = raw["weights"]
    assert set(w) == set(kit.kpis.ids())  # every KPI listed, several at 0
    assert sum(w.values()) == pytest.approx(100)
    assert sum(v == 0 for v in w.values()) >= 3
    top = sorted(w, key=w.get, reverse=True)[:4]
    assert set(top) == {"revenue_won", "quota_attainment", "win_rate", "csat_mean"}


# --- validation -----------------------------------------------------------------------------------


def test_unknown_key_suggests_the_closest():
    msg = _problems({"min_N": 3})
    assert "unknown parameter 'min_N'" in msg and "Did you mean 'min_n'" in msg and "Known parameters" in msg


@pytest.mark.parametrize("spec, needle", [
    ({"min_n": 0}, "min_n must be a whole number >= 1; got 0"),
    ({"min_n": 2.5}, "min_n must be a whole number >= 1"),
    ({"min_n": True}, "min_n must be a whole number >= 1"),
    ({"max_quarantine_share": 1.5}, "max_quarantine_share must be a share between 0 and 1"),
    ({"max_quarantine_share": "5%"}, "max_quarantine_share must be a share between 0 and 1"),
    ({"lang": "fr"}, "lang must be one of zh, en; got 'fr'"),
    ({"fiscal_start_month": 13}, "fiscal_start_month must be a whole number from 1 (January) to 12"),
    ({"fiscal_start_month": 0}, "fiscal_start_month must be a whole number from 1"),
    ({"pseudonymize": "yes"}, "pseudonymize must be true or false"),
    ({"source": ""}, "source must be a folder, a DuckDB file or a database URL"),
    ({"analysis": [1, 2]}, "analysis must be a mapping"),
    ({"kpi": {"callback_hours": -1}}, "kpi.callback_hours must be a number of hours above 0"),
    ({"kpi": {"sla_hours": {"visit": 3}}}, "not a customer-raised kind"),
    ({"kpi": {"speed": 1}}, "kpi settings: unknown key(s) ['speed']"),
    ({"quarter": "2026Q5"}, "quarter:"),
])
def test_each_check_names_the_key_and_the_allowed_values(spec, needle):
    assert needle in _problems(spec)


def test_every_problem_is_listed_at_once():
    msg = _problems({"min_n": 0, "lang": "fr", "fiscal_start_month": 13, "colour": 1})
    assert msg.count("\n  - ") == 4


def test_valid_values_are_normalized():
    v = P.validate({"min_n": 10.0, "fiscal_start_month": 4, "max_quarantine_share": 0, "analysis": {"n_boot": 200,
                                                                                                    "cap": 5}})
    assert v["min_n"] == 10 and isinstance(v["min_n"], int)
    assert v["fiscal_start_month"] == 4 and v["max_quarantine_share"] == 0.0
    assert v["analysis"] == {"n_boot": 200, "cap": 5}
    # keys left out take the kit's shipped default.yaml, the one place where defaults are written
    shipped = defaults()
    assert v["kpi"] == shipped["kpi"] and v["lang"] == shipped["lang"] == "zh"
    assert v["weights"] == {k: float(w) for k, w in shipped["weights"].items()}


def test_the_shipped_default_file_writes_every_default():
    import inspect

    import kit.io

    shipped = defaults()
    assert set(shipped) == set(P.KNOWN_KEYS) - {"quarter"}
    assert P.validate(shipped)["max_quarantine_share"] == 0.05
    assert inspect.signature(kit.io.load).parameters["max_quarantine_share"].default is None  # read from there
    assert P.Settings.from_params(P.validate({})).analysis.n_boot == shipped["analysis"]["n_boot"]


def test_analysis_settings_are_checked():
    with pytest.raises(P.ParamsError) as err:
        P.validate({"analysis": {"n_bot": 100, "cap": 120, "case_mix": "yes", "validity": {"fdr": 2}}})
    msg = str(err.value)
    assert "analysis.n_bot is not a known setting. Did you mean 'n_boot'?" in msg
    assert "analysis.cap must be a number of points from 0 to 100; got 120" in msg
    assert "analysis.case_mix must be true or false" in msg
    assert "fdr must be between 0 and 1" in msg


# --- weights --------------------------------------------------------------------------------------


def test_weights_unknown_id_suggests_known_ids():
    msg = _problems({"weights": {"revenue_wn": 100}})
    assert "unknown KPI id 'revenue_wn'" in msg and "Did you mean 'revenue_won'" in msg and "csat_mean" in msg


@pytest.mark.parametrize("weights, needle", [
    ({"revenue_won": 60, "csat_mean": 39}, "weights must sum to 100; they sum to 99"),
    ({"revenue_won": 110, "csat_mean": -10}, "weights.csat_mean must not be negative"),
    ({"revenue_won": "50", "csat_mean": 50}, "weights.revenue_won must be a number"),
    ({"revenue_won": True, "csat_mean": 99}, "weights.revenue_won must be a number"),
    ([("revenue_won", 100)], "weights must be a mapping of KPI id to weight"),
])
def test_weights_problems(weights, needle):
    assert needle in _problems({"weights": weights})


def test_weights_sum_tolerance_and_partial_weights():
    w = P.validate_weights({"csat_mean": 33.333, "revenue_won": 33.333, "win_rate": 33.333})
    assert sum(w.values()) == pytest.approx(99.999)
    assert list(w) == [k for k in kit.kpis.ids() if k in w]  # catalogue order
    with pytest.raises(P.ParamsError, match="sum to 100"):
        P.validate_weights({"csat_mean": 50, "revenue_won": 49.98})


# --- files, merging, overrides --------------------------------------------------------------------


def test_quarter_file_overrides_default_and_mappings_merge(pdir: Path):
    (pdir / "2026Q3.yaml").write_text(
        "min_n: 8\nkpi:\n  sla_hours: {complaint: 12}\nweights: {csat_mean: 60, revenue_won: 40}\n", encoding="utf-8")
    p = P.resolve("2026Q3", directory=pdir)
    assert p.values["min_n"] == 8 and p.values["quarter"] == "2026Q3"
    # kpi merged key by key: the default's inquiry/request SLAs and callback_hours stay
    assert p.values["kpi"]["sla_hours"] == {"complaint": 12, "inquiry": 48, "request": 72}
    assert p.values["kpi"]["callback_hours"] == 24
    # weights replaced as a whole
    assert p.values["weights"] == {"csat_mean": 60.0, "revenue_won": 40.0}
    assert [f.name for f in p.files] == ["default.yaml", "2026Q3.yaml"]
    assert p.origins["min_n"].endswith("2026Q3.yaml")
    # another quarter: the default only
    assert P.load("2026Q2", directory=pdir)["min_n"] == 5


def test_params_file_replaces_quarter_file_and_command_line_wins(pdir: Path, tmp_path: Path):
    (pdir / "2026Q3.yaml").write_text("min_n: 8\n", encoding="utf-8")
    own = tmp_path / "mine.yaml"
    own.write_text("min_n: 9\nlang: en\n", encoding="utf-8")
    assert P.load("2026Q3", params_file=own, directory=pdir)["min_n"] == 9
    v = P.load("2026Q3", params_file=own, overrides={"min_n": 11, "lang": None}, directory=pdir)
    assert v["min_n"] == 11 and v["lang"] == "en"  # None: not set on the command line


def test_messages_name_the_file(pdir: Path):
    (pdir / "2026Q3.yaml").write_text("min_n: 0\n", encoding="utf-8")
    with pytest.raises(P.ParamsError) as err:
        P.resolve("2026Q3", directory=pdir)
    assert "2026Q3.yaml: min_n must be a whole number >= 1" in str(err.value)
    with pytest.raises(P.ParamsError, match="command line: lang must be one of zh, en"):
        P.resolve("2026Q2", overrides={"lang": "de"}, directory=pdir)


def test_a_file_for_another_quarter_is_refused(pdir: Path, tmp_path: Path):
    other = tmp_path / "2026Q4.yaml"
    other.write_text("quarter: 2026Q4\nmin_n: 3\n", encoding="utf-8")
    with pytest.raises(P.ParamsError, match="quarter is '2026Q4' but the run is for 2026Q3"):
        P.resolve("2026Q3", params_file=other, directory=pdir)
    assert P.load("2026Q4", params_file=other, directory=pdir)["min_n"] == 3


def test_yaml_is_read_safely(tmp_path: Path):
    marker = tmp_path / "pwned"
    bad = tmp_path / "bad.yaml"
    bad.write_text(f'min_n: !!python/object/apply:os.system ["touch {marker}"]\n', encoding="utf-8")
    with pytest.raises(P.ParamsError, match="is not valid YAML"):
        P.read(bad)
    assert not marker.exists()
    broken = tmp_path / "broken.yaml"
    broken.write_text("min_n: [1, 2\n", encoding="utf-8")
    with pytest.raises(P.ParamsError, match="broken.yaml is not valid YAML"):
        P.read(broken)
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just text\n", encoding="utf-8")
    with pytest.raises(P.ParamsError, match="expected a mapping"):
        P.read(scalar)
    with pytest.raises(P.ParamsError, match="parameter file not found"):
        P.read(tmp_path / "none.yaml")


def test_parse_set():
    assert P.parse_set(["min_n=10", "kpi.callback_hours=12.5", "lang=en", "pseudonymize=true"]) == {
        "min_n": 10, "kpi": {"callback_hours": 12.5}, "lang": "en", "pseudonymize": True}
    with pytest.raises(P.ParamsError, match="write KEY=VALUE"):
        P.parse_set(["min_n"])


def test_salt_from_environment_and_never_public(pdir: Path, monkeypatch):
    monkeypatch.setenv("KIT_PSEUDONYM_SALT", "pepper")
    v = P.load("2026Q3", directory=pdir)
    assert v["pseudonym_salt"] == "pepper"
    assert "pseudonym_salt" not in P.public(v)


def test_dump_round_trip_keeps_chinese(tmp_path: Path):
    spec = {"quarter": "2026Q4", "source": "数据/导出", "weights": {"csat_mean": 50, "revenue_won": 50}}
    text = P.dump(spec, tmp_path / "p.yaml", header="建议参数\nsecond line")
    assert "数据/导出" in text and text.startswith("# 建议参数\n# second line\n")
    assert P.read(tmp_path / "p.yaml") == spec
    P.validate(P.read(tmp_path / "p.yaml"))
