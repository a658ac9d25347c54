"""Loaders: each format and encoding, the column map, DuckDB files; results identical across them."""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd
import pytest

import kit
from kit.schema import SchemaError
from tests import tiny


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    data = kit.load(tiny.write_tiny(tmp_path_factory.mktemp("ref")))
    return data, kit.kpis.compute(data, quarter="2026Q3")


def _same(data, reference):
    ref_data, ref_kpis = reference
    for t in ("reps", "customers", "interactions", "surveys", "deals", "quotas"):
        pd.testing.assert_frame_equal(data.tables[t], ref_data.tables[t], check_dtype=False, obj=t)
    pd.testing.assert_frame_equal(kit.kpis.compute(data, quarter="2026Q3"), ref_kpis)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_encodings(tmp_path, reference, encoding):
    folder = tiny.write_tiny(tmp_path, encoding=encoding)
    raw = (folder / "reps.csv").read_bytes()
    assert ("王伟".encode(encoding.replace("-sig", "")) in raw)
    data = kit.load(folder)
    assert data.reps.loc[0, "rep_name"] == "王伟"
    _same(data, reference)


def _typed_frames(folder):
    data = kit.load(folder)
    return data.tables


def test_parquet_and_excel(tmp_path, reference):
    src = tiny.write_tiny(tmp_path / "csv")
    frames = _typed_frames(src)
    pq = tmp_path / "pq"
    xl = tmp_path / "xl"
    pq.mkdir()
    xl.mkdir()
    for name, df in frames.items():
        df.to_parquet(pq / f"{name}.parquet", index=False)
        df.to_excel(xl / f"{name}.xlsx", index=False)
    for folder in (pq, xl):
        shutil.copy(src / "instrument.yaml", folder / "instrument.yaml")
        _same(kit.load(folder), reference)


def test_duckdb_file(tmp_path, reference):
    src = tiny.write_tiny(tmp_path / "csv")
    frames = _typed_frames(src)
    path = tmp_path / "crm.duckdb"
    con = duckdb.connect(str(path))
    for name, df in frames.items():
        con.register("df", df)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM df")
        con.unregister("df")
    con.close()
    _same(kit.load(path, instrument=src / "instrument.yaml"), reference)


def test_column_map_with_chinese_headers_and_values(tmp_path, reference):
    tables = {k: [list(r) for r in v] for k, v in tiny.TABLES.items()}
    zh = {"rep_id": "销售编号", "rep_name": "姓名", "team": "团队", "region": "区域"}
    tables["reps"][0] = [zh.get(c, c) for c in tables["reps"][0]]
    inter = tables["interactions"]
    ch = inter[0].index("channel")
    inter[0][ch] = "渠道"
    values = {"email": "邮件", "phone": "电话"}
    for r in inter[1:]:
        r[ch] = values.get(r[ch], r[ch])
    folder = tiny.write_tiny(tmp_path, tables=tables, encoding="gb18030")
    (folder / "column_map.yaml").write_text(
        "columns:\n  reps: {销售编号: rep_id, 姓名: rep_name, 团队: team, 区域: region}\n"
        "  interactions: {渠道: channel}\n"
        "values:\n  interactions:\n    channel: {邮件: email, 电话: phone}\n",
        encoding="utf-8",
    )
    _same(kit.load(folder), reference)


def test_files_section_names_other_files(tmp_path, reference):
    folder = tiny.write_tiny(tmp_path)
    (folder / "surveys.csv").rename(folder / "客户满意度调查.csv")
    with pytest.raises(SchemaError, match="table missing"):
        kit.load(folder)
    (folder / "column_map.yaml").write_text("files:\n  surveys: 客户满意度调查.csv\n", encoding="utf-8")
    _same(kit.load(folder), reference)


def test_extra_columns_are_ignored_and_headers_tidied(tmp_path, reference):
    tables = {k: [list(r) for r in v] for k, v in tiny.TABLES.items()}
    tables["surveys"][0] = [c.upper() if c == "csat" else c for c in tables["surveys"][0]]
    for k, r in enumerate(tables["customers"]):
        r.append("手机号" if k == 0 else "13800138000")
    data = kit.load(tiny.write_tiny(tmp_path, tables=tables))
    assert "手机号" not in data.customers.columns
    _same(data, reference)


def test_instrument_defaults_to_parameters_when_folder_has_none(tmp_path):
    folder = tiny.write_tiny(tmp_path, instrument=False)
    # the bundled instrument has twelve items, which the tiny surveys lack: a schema error naming them
    with pytest.raises(SchemaError) as err:
        kit.load(folder)
    assert "q_quality_1" in str(err.value) and "survey item" in str(err.value)


def test_missing_source_is_explained(tmp_path):
    with pytest.raises(SchemaError, match="source not found"):
        kit.load(tmp_path / "nope")
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(SchemaError, match="neither a folder"):
        kit.load(tmp_path / "x.txt")


def test_timestamps_in_other_forms(tmp_path, reference):
    tables = tiny.edited("interactions", "I1", opened_at="2026/7/15 9:00", first_response_at="2026-07-15T11:00:00",
                         resolved_at="2026-07-16 09:00")
    data = kit.load(tiny.write_tiny(tmp_path, tables=tables))
    _same(data, reference)
