"""Tests of kit.sample: the committed sample is reproducible, consistent and carries its effects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from kit import sample

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
INSTRUMENT = ROOT / "parameters" / "instrument.yaml"
START = pd.Timestamp("2024-10-01")
CUTOFF = pd.Timestamp("2026-10-01")


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return sample.generate()


@pytest.fixture(scope="module")
def small() -> dict[str, pd.DataFrame]:
    return sample.generate(seed=7, scale=0.05)


# --- reproducibility -------------------------------------------------------------------


def test_committed_sample_is_regenerated_byte_for_byte(tmp_path):
    written = sample.write_sample(tmp_path)
    assert set(written) == set(sample.TABLES)
    for name, path in written.items():
        committed = SAMPLES / f"{name}.csv"
        assert committed.exists(), f"{committed} is missing: run kit.sample.write_sample()"
        new, old = path.read_bytes(), committed.read_bytes()
        if new != old:
            new_lines, old_lines = new.decode().splitlines(), old.decode().splitlines()
            first = next((i for i, (a, b) in enumerate(zip(new_lines, old_lines)) if a != b),
                         min(len(new_lines), len(old_lines)))
            pytest.fail(
                f"{name}.csv differs from the committed sample at line {first + 1}:\n"
                f"  committed:   {old_lines[first] if first < len(old_lines) else '<end>'}\n"
                f"  regenerated: {new_lines[first] if first < len(new_lines) else '<end>'}\n"
                "Regenerate with `kit sample` (kit.sample.write_sample()) if the change is meant."
            )


def test_sample_folder_holds_only_the_tables_and_readme():
    files = {p.name for p in SAMPLES.iterdir()}
    assert files == {f"{t}.csv" for t in sample.TABLES} | {"README.md"}
    total = sum(p.stat().st_size for p in SAMPLES.iterdir())
    assert total < 10_000_000


def test_csv_format():
    text = (SAMPLES / "interactions.csv").read_text(encoding="utf-8")
    assert not text.startswith("\ufeff") and "\r" not in text
    header, first = text.splitlines()[:2]
    assert header == ",".join(sample.COLUMNS["interactions"])
    fields = first.split(",")
    assert len(fields[6]) == 19 and fields[6][10] == " "  # YYYY-MM-DD HH:MM:SS
    assert fields[10] in {"true", "false"}
    reps = (SAMPLES / "reps.csv").read_text(encoding="utf-8").splitlines()
    assert len(reps[1].split(",")[4]) == 10  # hire_date is a plain date
    amounts = pd.read_csv(SAMPLES / "deals.csv", dtype=str)["amount"]
    assert amounts.str.fullmatch(r"\d+\.\d\d").all()


def test_generation_is_deterministic(small):
    again = sample.generate(seed=7, scale=0.05)
    for name in sample.TABLES:
        pd.testing.assert_frame_equal(small[name], again[name])
    other = sample.generate(seed=8, scale=0.05)
    assert not small["surveys"]["csat"].equals(other["surveys"]["csat"])


# --- shape and contract ----------------------------------------------------------------


def test_canonical_columns_and_types(tables):
    assert tuple(tables) == sample.TABLES
    for name, df in tables.items():
        assert tuple(df.columns) == sample.COLUMNS[name], name
    it, sv = tables["interactions"], tables["surveys"]
    for col in ("opened_at", "first_response_at", "resolved_at"):
        assert it[col].dtype == "datetime64[s]"
    assert it["reopened"].dtype == bool and it["contacts"].dtype == "Int64"
    assert sv["csat"].dtype == np.int64
    assert all(sv[c].dtype == "Int64" for c in sample.ITEM_COLUMNS)


def test_instrument_matches_generator():
    inst = yaml.safe_load(INSTRUMENT.read_text(encoding="utf-8"))
    assert inst["scale"] == {"min": 1, "max": 5}
    items = inst["items"]
    assert [i["column"] for i in items] == list(sample.ITEM_COLUMNS)
    for item in items:
        assert item["column"] == f"q_{item['dimension']}_{item['column'][-1]}"
        assert set(item) == {"column", "dimension", "reverse", "tags", "text"}
        assert item["text"]["zh"] and item["text"]["en"]
    assert [i["column"] for i in items if i["reverse"]] == sample.GROUND_TRUTH["reverse_items"]
    tagged = [i["column"] for i in items if "needs_understood" in i["tags"]]
    assert tagged == ["q_communication_1"] == sample.GROUND_TRUTH["needs_understood_items"]


def test_sizes_at_scale_one(tables):
    n = {k: len(v) for k, v in tables.items()}
    assert n["reps"] == 40 and n["customers"] == 2000
    assert 40_000 <= n["interactions"] <= 80_000
    assert 10_000 <= n["surveys"] <= 20_000
    assert 2_000 <= n["deals"] <= 8_000


def test_scale_gives_proportionally_fewer_rows(tables, small):
    assert len(small["customers"]) == 100
    for name in ("interactions", "surveys", "deals"):
        ratio = len(small[name]) / len(tables[name])
        assert 0.03 < ratio < 0.08, (name, ratio)


def test_ids_unique_and_references_resolve(tables):
    reps, cust, it, sv, dl, qt = (tables[t] for t in sample.TABLES)
    for df, col in ((reps, "rep_id"), (cust, "customer_id"), (it, "interaction_id"),
                    (sv, "response_id"), (dl, "deal_id")):
        assert df[col].notna().all() and df[col].is_unique, col
    rep_ids, cust_ids = set(reps["rep_id"]), set(cust["customer_id"])
    assert set(cust["owner_rep_id"]) <= set(reps.loc[reps["active"], "rep_id"])
    for df in (it, sv, dl):
        assert set(df["customer_id"]) <= cust_ids
        assert set(df["rep_id"].dropna()) <= rep_ids
    assert set(qt["rep_id"]) <= rep_ids
    assert not qt.duplicated(["rep_id", "quarter"]).any()
    linked = sv.dropna(subset=["interaction_id"]).merge(
        it, on="interaction_id", suffixes=("", "_i"), validate="many_to_one")
    assert len(linked) == sv["interaction_id"].notna().sum()
    assert (linked["customer_id"] == linked["customer_id_i"]).all()
    with_rep = linked.dropna(subset=["rep_id"])
    assert (with_rep["rep_id"] == with_rep["rep_id_i"]).all()
    assert (linked["submitted_at"] >= linked["opened_at"]).all()


def test_timestamps_are_ordered_and_in_range(tables):
    reps, cust, it, sv, dl, _ = (tables[t] for t in sample.TABLES)
    assert it["opened_at"].between(START, CUTOFF, inclusive="left").all()
    assert (it["first_response_at"].dropna() >= it.loc[it["first_response_at"].notna(),
                                                         "opened_at"]).all()
    resolved = it.dropna(subset=["resolved_at"])
    assert (resolved["resolved_at"] >= resolved["opened_at"]).all()
    assert (it[["first_response_at", "resolved_at"]].max(axis=1).dropna() < CUTOFF).all()
    assert sv["submitted_at"].between(START, CUTOFF, inclusive="left").all()
    closed = dl.dropna(subset=["closed_at"])
    assert (closed["closed_at"] >= closed["created_at"]).all()
    assert (closed["closed_at"] < CUTOFF).all()
    assert dl["closed_at"].isna().equals(dl["stage"] == "open")
    since = it["customer_id"].map(cust.set_index("customer_id")["since"])
    assert (it["opened_at"] >= since).all()
    hired = it["rep_id"].map(reps.set_index("rep_id")["hire_date"])
    assert (it["opened_at"] >= hired).all()
    for col in ("opened_at", "submitted_at"):
        df = it if col == "opened_at" else sv
        assert (df[col].dt.floor("s") == df[col]).all()


def test_value_ranges_and_vocabularies(tables):
    reps, cust, it, sv, dl, qt = (tables[t] for t in sample.TABLES)
    assert set(cust["segment"]) == {"enterprise", "mid-market", "smb"}
    assert set(cust["region"]) | set(reps["region"]) <= {"华东", "华北", "华南", "西部"}
    assert set(it["channel"]) == {"email", "phone", "chat", "visit", "meeting"}
    assert set(it["kind"]) == {"inquiry", "complaint", "request", "followup", "proactive"}
    rep_kind = it["kind"].isin(["followup", "proactive"])
    assert (it["initiated_by"] == np.where(rep_kind, "rep", "customer")).all()
    assert it.loc[rep_kind, "first_response_at"].isna().all()
    assert (it["contacts"].dropna() >= 1).all() and it["contacts"].isna().any()
    assert it["sla_hours"].notna().mean() < 0.2 and (it["sla_hours"].dropna() > 0).all()
    assert sv["csat"].between(1, 5).all()
    assert sv["nps"].dropna().between(0, 10).all() and sv["nps"].isna().any()
    items = sv[list(sample.ITEM_COLUMNS)]
    assert items.stack().between(1, 5).all()
    assert 0.05 <= items.isna().mean().mean() <= 0.10
    assert sv["rep_id"].isna().any() and sv["interaction_id"].isna().any()
    assert set(dl["stage"]) == {"open", "won", "lost"} and (dl["amount"] >= 0).all()
    assert (dl["amount"] == dl["amount"].round(2)).all()
    assert (qt["quota"] > 0).all() and qt["quarter"].str.fullmatch(r"\d{4}Q[1-4]").all()
    assert (~reps["active"]).sum() == 2


def test_comments_carry_personal_data_to_redact(tables):
    comments = tables["surveys"]["comment"].dropna()
    assert 0.1 < len(comments) / len(tables["surveys"]) < 0.4
    assert comments.str.contains(r"1[3-9]\d[- ]?\d{4}[- ]?\d{4}").any()
    assert comments.str.contains(r"[a-z]+\d+@example\.com").any()
    assert comments.str.contains(r"\d{17}[\dX]").any() and comments.str.contains(r"\+44 20").any()


def test_arguments_are_checked(tmp_path):
    with pytest.raises(ValueError, match="quarters"):
        sample.generate(quarters="2026Q5")
    with pytest.raises(ValueError, match="quarters"):
        sample.generate(quarters="2026Q3:2025Q1")
    with pytest.raises(ValueError, match="scale"):
        sample.generate(scale=0)
    with pytest.raises(ValueError, match="n_reps"):
        sample.generate(n_reps=0)
    with pytest.raises(ValueError, match="fmt"):
        sample.write({}, tmp_path, fmt="xlsx")


def test_single_quarter_and_parquet(tmp_path):
    t = sample.generate(quarters="2026Q3", scale=0.05)
    assert (t["interactions"]["opened_at"] >= pd.Timestamp("2026-07-01")).all()
    assert set(t["quotas"]["quarter"]) == {"2026Q3"}
    paths = sample.write(t, tmp_path, fmt="parquet")
    back = pd.read_parquet(paths["surveys"])
    assert list(back.columns) == list(sample.COLUMNS["surveys"])
    assert len(back) == len(t["surveys"])


# --- planted effects (quick checks; tests/analysis check their recovery in depth) ------


def _dimension_means(sv: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=sv.index)
    for d in sample.DIMENSIONS:
        a, b = sv[f"q_{d}_1"].astype(float), sv[f"q_{d}_2"].astype(float)
        if f"q_{d}_2" in sample.GROUND_TRUTH["reverse_items"]:
            b = 6 - b
        out[d] = pd.concat([a, b], axis=1).mean(axis=1)
    return out


def test_planted_survey_effects(tables):
    sv = tables["surveys"]
    items = sv[["q_transparency_1", "q_transparency_2"]].astype(float)
    assert items.corr().iloc[0, 1] < -0.4  # the reverse-keyed item is answered reflected
    dims = _dimension_means(sv)
    means = dims.mean()
    assert means.idxmin() in {"responsiveness", sample.GROUND_TRUTH["trend"]["dimension"]}
    assert means["responsiveness"] < means.mean() - 0.2  # the "fix first" dimension
    quarter = sv["submitted_at"].dt.to_period("Q").astype(str)
    trend = dims[sample.GROUND_TRUTH["trend"]["dimension"]].groupby(quarter).mean()
    assert trend["2026Q3"] < trend.loc[:"2025Q4"].mean() - 0.3
    beta = np.linalg.lstsq(
        np.c_[np.ones(dims.dropna().shape[0]), dims.dropna().to_numpy()],
        sv.loc[dims.dropna().index, "csat"].to_numpy(float), rcond=None)[0][1:]
    top = [sample.DIMENSIONS[i] for i in np.argsort(-beta)[:3]]
    assert set(top) == set(sample.GROUND_TRUTH["driver_ranking"][:3])


def test_true_reps_and_roles(tables):
    truth = sample.true_reps()
    reps = tables["reps"]
    assert list(truth.index) == list(reps["rep_id"])
    abilities = truth.filter(like="ability_")
    assert abilities.shape[1] == len(sample.DIMENSIONS)
    assert np.allclose(abilities.mean(), 0) and np.allclose(abilities.std(ddof=0), 1)
    # Book size and proposal propensity are uncorrelated with every ability (noise KPI).
    for col in ("workload", "personalized_propensity"):
        x = np.log(truth[col]) if col == "workload" else truth[col]
        assert abilities.corrwith(x).abs().max() < 0.05, col
    roles = sample.GROUND_TRUTH["sample"]
    inactive = set(reps.loc[~reps["active"], "rep_id"])
    assert set(roles["leaver"]) == inactive
    assert set(roles["new_hire"]) == set(reps.nlargest(2, "hire_date")["rep_id"])
    dl = tables["deals"]
    created = dl.assign(q=dl["created_at"].dt.to_period("Q").astype(str))
    counts = created[created["personalized"]].groupby(["rep_id", "q"]).size()
    for rep in roles["gaming"]:
        per_q = counts.loc[rep]
        assert per_q.get("2026Q3", 0) > 2 * per_q.loc[:"2025Q4"].mean(), rep


def test_the_confounding_option_plants_a_selling_skill_on_deals_only():
    plain = sample.generate(seed=7, scale=0.5)
    conf = sample.generate(seed=7, scale=0.5, confounded_sales=True)
    for name in ("reps", "customers", "interactions", "surveys", "quotas"):
        pd.testing.assert_frame_equal(plain[name], conf[name])  # satisfaction is untouched
    truth = sample.true_reps(seed=7, scale=0.5, confounded_sales=True)
    # exactly the documented correlation (the rest of the skill is made orthogonal to the abilities)
    assert "correlation with responsiveness ability 0.8" in sample.GROUND_TRUTH["confounded_sales"]["selling_skill"]
    assert truth["ability_selling"].corr(truth["ability_responsiveness"]) == pytest.approx(0.8, abs=1e-9)
    # the selling skill alone moves the deals: reps' won revenue follows it
    won = conf["deals"][conf["deals"]["stage"] == "won"].groupby("rep_id")["amount"].sum()
    won0 = plain["deals"][plain["deals"]["stage"] == "won"].groupby("rep_id")["amount"].sum()
    lift = (won / won0).reindex(truth.index)
    assert lift.corr(truth["ability_selling"], method="spearman") > 0.5
    assert set(sample.GROUND_TRUTH["confounded_sales"]["kpis"]) == {"revenue_won", "win_rate", "quota_attainment"}
    with pytest.raises(ValueError, match="confounded_sales must be True or False"):
        sample.generate(scale=0.05, confounded_sales="yes")
