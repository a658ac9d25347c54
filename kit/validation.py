"""Checks as engine queries: types, ranges, required values, duplicates, references, time order.

The checks are generated from the data contract (:mod:`kit.rules`, from :mod:`kit.schema`): each
pandera column's checks (``ge``, ``le``, ``isin``, ``str_matches``, not nullable), the cross-column
:data:`kit.schema.ROW_RULES` and the instrument's item scale become Ibis predicates, so they
run where the data lies (DuckDB, PostgreSQL, Spark). Only the rows that fail come back to
pandas, into the quarantine: ``table, row, id, column, value, reason``.

Two stages:

* :func:`typed_tables`: renames headers (column map), keeps the contract's columns and types
  them; values that are not of the column's type are schema problems (loading stops);
* :func:`quarantine_rows`: the row checks, in the order parents before children, so that a
  row referring to a quarantined parent is set aside with that reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from kit import schema as S
from kit import timestamps as T
from kit.instrument import Instrument
from kit.quarantine import Quarantine
from kit.rules import REFERENCES, RowView, describe_check, listed_columns, table_rules
from kit.sources import _backend_name, materialize

if TYPE_CHECKING:  # pragma: no cover
    import ibis.expr.types as ir

    from kit.sources import Opened

__all__ = ["contract_columns", "typed_tables", "quarantine_rows", "kept", "as_contract_frame", "Quarantine",
           "EMPTY_DTYPE", "IBIS_TYPE", "REFERENCES", "describe_check"]

MISSING_TOKENS = ("", "null", "none", "nan", "na", "n/a", "#n/a", "nat")
TRUE_TOKENS = ("true", "t", "yes", "y", "1", "是", "真", "对")
FALSE_TOKENS = ("false", "f", "no", "n", "0", "否", "假", "错")
EMPTY_DTYPE = {"text": "string", "int": "Int64", "float": "Float64", "bool": "boolean", "timestamp": "datetime64[us]"}
IBIS_TYPE = {"text": "string", "int": "int64", "float": "float64", "bool": "boolean", "timestamp": "timestamp"}
_EXPECT = {
    "text": "text",
    "int": "a whole number",
    "float": "a number",
    "bool": "true/false (also yes/no, 1/0, 是/否)",
    "timestamp": "a date or timestamp such as 2026-07-01 09:30:00",
}
_MAX_ROWS_LISTED = 50


def contract_columns(table: str, instrument: Instrument) -> dict[str, str]:
    """Column -> kind for a table, with the instrument's items for ``surveys``."""
    cols = S.column_types(table)
    if table == "surveys":
        for c in instrument.columns:
            cols[c] = "float"
    return cols


def as_contract_frame(df: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """A DataFrame fetched from an engine with the contract's pandas dtypes (``string``, ``Int64``...)."""
    out = {}
    for col in df.columns:
        kind = kinds.get(col)
        s = df[col]
        if kind is None:
            out[col] = s
        elif kind == "timestamp":
            s = pd.to_datetime(s)
            if getattr(s.dt, "tz", None) is not None:
                s = s.dt.tz_convert(None)
            out[col] = s.astype("datetime64[us]")
        elif kind == "int":
            out[col] = pd.to_numeric(s, errors="coerce").round().astype("Int64")
        elif kind == "float":
            out[col] = pd.to_numeric(s, errors="coerce").astype("Float64")
        elif kind == "bool":
            out[col] = s.astype("boolean")
        else:
            out[col] = s.astype("string")
    return pd.DataFrame(out, index=df.index)


# --- typing -----------------------------------------------------------------------------------


def ir_column() -> type:
    import ibis.expr.types as ir

    return ir.Column


def _renames(columns: Iterable[str], table: str, cmap: dict, expected: Iterable[str]) -> dict[str, str]:
    """Source column -> canonical name (first one wins when two map to the same name)."""
    mapping = {str(k).strip(): str(v).strip() for k, v in (cmap["columns"].get(table) or {}).items()}
    expected = set(expected)
    out: dict[str, str] = {}
    for col in columns:
        if col == "_row":
            continue
        name = str(col).replace("\ufeff", "").strip()
        if name in mapping:
            name = mapping[name]
        elif name not in expected and name.lower() in expected:
            name = name.lower()
        if name not in out.values():
            out[col] = name
    return out


def _count_true(flag: Any, rows: Any = None) -> Any:
    """How many rows a condition holds for (PostgreSQL cannot cast a boolean to bigint). A
    condition on a column the source lacks is one value for all ``rows`` (a count)."""
    import ibis

    if not isinstance(flag, ir_column()):
        return ibis.ifelse(flag, rows, 0)
    return ibis.ifelse(flag, 1, 0).sum()


def _strip(col: Any) -> Any:
    """Leading and trailing white space removed (Ibis' strip() on Spark also eats 'v' and 'f')."""
    try:
        backend = col._find_backend(use_default=False)
    except Exception:  # pragma: no cover - an expression without a backend
        backend = None
    if str(getattr(backend, "name", "")) == "pyspark":
        return col.re_replace(r"^\s+|\s+$", "")
    return col.strip()


def _padded(col: Any) -> Any:
    """True where a text value has white space at either end (as :func:`_strip` would remove).

    On DuckDB the trim (with its set of white-space characters) is costly on every row, so it
    only runs where the first or last character is a control character or a space.
    """
    try:
        backend = col._find_backend(use_default=False)
    except Exception:  # pragma: no cover - an expression without a backend
        backend = None
    differs = col != _strip(col)
    if str(getattr(backend, "name", "")) == "duckdb":
        return ((col.ascii_str() <= 32) | (col.reverse().ascii_str() <= 32)) & differs
    return differs


def _kind_of(dtype: Any) -> str:
    if dtype.is_string():
        return "text"
    if dtype.is_boolean():
        return "bool"
    if dtype.is_integer():
        return "int"
    if dtype.is_floating() or dtype.is_decimal():
        return "float"
    if dtype.is_timestamp() or dtype.is_date():
        return "timestamp"
    return "other"


def _convert(col: Any, kind: str, fallback: Any = None, padded: bool = True,
             parse: T.Parse | None = None) -> tuple[Any, Any]:
    """(typed value, is-bad flag) of a raw column for a contract kind, as Ibis expressions.

    ``padded=False`` says a text column has no value with white space around it (checked in
    one pass before), which spares trimming every value in every later query. ``parse`` says
    how a timestamp is read (:mod:`kit.timestamps`: the zone, the day/month order, a format).
    """
    import ibis

    src = _kind_of(col.type())
    false = ibis.literal(False)
    if kind == "text":
        if src == "text":
            return (_strip(col) if padded else col).nullif(""), false
        if src == "float":
            whole = col == col.round(0)
            return ibis.ifelse(whole, col.cast("int64").cast("string"), col.cast("string")), false
        return col.cast("string"), false
    if src == "text":
        s = _strip(col)
        missing = col.isnull() | s.lower().isin(list(MISSING_TOKENS))
    else:
        missing = col.isnull()
    if kind == "timestamp":
        return T.typed_timestamp(col, src, s if src == "text" else None, missing, parse or T.Parse("UTC"), fallback)
    if kind in {"int", "float"}:
        if src == "bool":
            # PostgreSQL cannot cast boolean to bigint; null stays null
            num = ibis.ifelse(col.isnull(), ibis.null("float64"), ibis.ifelse(col, 1.0, 0.0))
            bad = false
        elif src in {"int", "float"}:
            num = col.cast("float64")
            bad = false
        elif src == "text":
            num = ibis.ifelse(missing, ibis.null("float64"), s.try_cast("float64"))
            bad = (~missing) & num.isnull()
        else:
            return ibis.null(IBIS_TYPE[kind]), ~missing
        if kind == "int":
            frac = (num.notnull() & (num != num.floor().cast("float64"))).fill_null(False)
            value = ibis.ifelse(frac | bad, ibis.null("int64"), num.round(0).cast("int64"))
            return value, bad | frac
        return num, bad
    if kind == "bool":
        if src == "bool":
            return col, false
        low = (s if src == "text" else col.cast("string")).lower()
        value = ibis.cases((low.isin(list(TRUE_TOKENS)), True), (low.isin(list(FALSE_TOKENS)), False),
                           else_=ibis.null("boolean"))
        return value, (~missing) & value.isnull()
    raise ValueError(kind)  # pragma: no cover


def _values_mapped(col: Any, mapping: dict) -> Any:
    import ibis

    s = col.cast("string")
    key = _strip(s)
    cases = [(key == str(k), str(v)) for k, v in mapping.items()]
    return ibis.cases(*cases, else_=s) if cases else s


def digest_exprs(t: ir.Table, columns: list[str]) -> dict[str, Any]:
    """Order-free per-column digests of a table (a sum of row hashes where the engine has them)."""
    backend = str(getattr(t._find_backend(use_default=False), "name", ""))
    out = {}
    for i, c in enumerate(columns):
        col = t[c]
        if backend in {"duckdb", "pyspark"}:
            out[f"_h{i}"] = col.hash().cast("float64").sum()
        else:
            out[f"_h{i}"] = col.cast("string").length().cast("float64").sum() + col.count().cast("float64") * 1e-6
    return out


def digest_of(values: list[Any], columns: list[str]) -> str:
    """A content fingerprint from :func:`digest_exprs`' results and the row count."""
    import hashlib

    text = "\x1f".join(columns) + "|" + "|".join(repr(v) for v in values)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def typed_tables(opened: Opened, cmap: dict, instrument: Instrument,
                 fingerprints: dict[str, str] | None = None, checks: dict[str, dict] | None = None,
                 time: T.TimeSettings | None = None, quarantine: Quarantine | None = None
                 ) -> tuple[dict[str, ir.Table], list[S.Problem], dict[str, int]]:
    """Rename, keep the contract's columns and type them, in the engine; collect every schema problem.

    One aggregate query per table counts the values of the wrong type, the padded text, and
    (for :func:`quarantine_rows`) the rows failing each row check and the responses without a
    rep: rows are fetched later only for the checks that found some.

    Parameters
    ----------
    fingerprints : dict, optional
        Filled with a content digest of each database table (computed in the same pass).
    checks : dict, optional
        Filled per table with those counts (``rules``, ``no_rep``), to give to
        :func:`quarantine_rows`; a table is left out when its counts cannot stand for the
        final values (padded text).
    time : kit.timestamps.TimeSettings, optional
        The time zone and date formats timestamps are read with (default: UTC, no format).
    quarantine : Quarantine, optional
        Receives the rows whose timestamp does not match its ``date_format`` (without one,
        they are schema problems).

    Returns
    -------
    tuple
        ``(typed, problems, rows_in)``: per table an Ibis table of ``_row`` and the contract's
        columns (typed), the schema problems, and the rows read per table.
    """
    fingerprints = {} if fingerprints is None else fingerprints
    checks = {} if checks is None else checks
    time = time or T.TimeSettings("UTC")
    import ibis

    con = opened.con
    problems = list(opened.problems)
    typed: dict[str, Any] = {}
    exprs: dict[str, Any] = {}
    rows_in: dict[str, int] = {}
    for table, raw in opened.tables.items():
        label = opened.labels.get(table)
        cols = contract_columns(table, instrument)
        renames = _renames(raw.columns, table, cmap, cols)
        present = {canon: src for src, canon in renames.items()}
        required = S.required_columns(table) + (instrument.columns if table == "surveys" else [])
        missing = [c for c in required if c not in present]
        for c in missing:
            what = ("a survey item of the instrument" if c in instrument.columns
                    else S.MODELS[table].to_schema().columns[c].description)
            names = list(renames.values())
            found = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
            problems.append(S.Problem(table, c, f"column '{c}' is missing. Expected {what}. Found columns: {found}. "
                                      "If your export calls it differently, map it in a column_map.yaml", file=label))
        if missing:
            continue
        values_map = cmap["values"].get(table) or {}

        def source(tbl: Any, col: str) -> Any:
            c = tbl[present[col]]
            return _values_mapped(c, values_map[col]) if col in values_map else c

        parses = {c: T.Parse(time.zone, None, time.format_for(table, c)) for c, k in cols.items() if k == "timestamp"}

        def convert(fallbacks: dict, clean: set[str] = frozenset(), base: Any = None) -> tuple[Any, dict, dict, dict]:
            if base is None:
                base = raw
                for col, fb in fallbacks.items():
                    base = base.left_join(fb, _strip(source(base, col).cast("string")) == fb[f"_fb_key_{col}"])
            sources = {col: source(base, col) for col in cols if col in present}
            values, bad = {}, {}
            for col, kind in cols.items():
                if col not in sources:
                    values[col] = ibis.null(IBIS_TYPE[kind])
                    continue
                fb = base[f"_fb_ts_{col}"] if col in fallbacks else None
                values[col], flag = _convert(sources[col], kind, fb, padded=col not in clean, parse=parses.get(col))
                if isinstance(flag, ir_column()):
                    bad[col] = flag
            return base, sources, values, bad

        texts = [c for c in cols if cols[c] == "text" and c in present and c not in values_map
                 and _kind_of(raw[present[c]].type()) == "text"]
        enums = listed_columns(table) & set(texts)
        stamps = [c for c in parses if c in present and _kind_of(raw[present[c]].type()) == "text"]

        def bad_counts(base: Any, bad: dict, fallbacks: dict) -> dict[str, int]:
            digest = {} if table in opened.file_hashes else digest_exprs(raw, sorted(present.values()))
            # a column of listed values (channel, kind...) is not padded when its values are all
            # in the list untrimmed: its check's count below tells, sparing a test of every value
            first = "_clean" not in state
            padded = {f"w_{i}": _count_true(_padded(raw[present[c]]))
                      for i, c in enumerate(texts) if c not in enums} if first else {}
            # text timestamps with an offset: none, and the conversion per value is left out
            zoned = {f"z_{i}": _count_true(_strip(source(raw, c).cast("string")).re_search(T.ZONE_SUFFIX))
                     for i, c in enumerate(stamps)} if first else {}
            # the row checks counted in the same pass, on the values as they will be if no text
            # is padded (else they are run in full later)
            _, _, values, _ = convert(fallbacks, set(texts), base)
            rows = RowView(values)
            rules = {f"r_{i}": _count_true(fail(rows).fill_null(False), base.count())
                     for i, (_, _, fail) in enumerate(table_rules(table, instrument))}
            no_rep = {"_no_rep": _count_true(values["rep_id"].isnull())} if table == "surveys" else {}
            row = con.execute(base.aggregate(_n=base.count(), **digest, **padded, **zoned, **rules, **no_rep,
                                             **{f"b_{i}": _count_true(flag)
                                                for i, flag in enumerate(bad.values())})).iloc[0]
            if first:
                clean = {c for i, c in enumerate(texts) if c not in enums and not (row[f"w_{i}"] or 0)}
                listed = {c: row[f"r_{k}"] for k, (c, reason, _) in enumerate(table_rules(table, instrument))
                          if c in enums and reason.startswith(f"{c} {describe_check('isin()')}")}
                clean |= {c for c, k in listed.items() if not (k or 0)}
                unsure = [c for c in enums if c not in clean]
                if unsure:
                    again = con.execute(raw.aggregate(**{f"w_{i}": _count_true(_padded(raw[present[c]]))
                                                         for i, c in enumerate(unsure)})).iloc[0]
                    clean |= {c for i, c in enumerate(unsure) if not (again[f"w_{i}"] or 0)}
                state["_clean"] = clean
                for i, c in enumerate(stamps):
                    if not (row[f"z_{i}"] or 0) and parses[c].fmt is None:
                        parses[c] = T.Parse(time.zone, zoned=False)
            rows_in[table] = int(row["_n"])
            if digest:
                fingerprints[table] = digest_of(row[[*digest, "_n"]].tolist(), sorted(present.values()))
            if state.get("_clean") == set(texts):
                checks[table] = {"rules": [int(row[k] or 0) for k in rules],
                                 "no_rep": int(row["_no_rep"] or 0) if no_rep else None}
            else:
                checks.pop(table, None)
            return {col: int(row[f"b_{i}"]) for i, col in enumerate(bad) if pd.notna(row[f"b_{i}"])}

        state: dict[str, Any] = {}
        base, sources, values, bad = convert({})
        counts = bad_counts(base, bad, {})
        # timestamps the first pass did not read: day/month forms (their order from the column's
        # unambiguous values, or refused), then pandas' parser on the distinct other failures
        unread = [c for c, k in counts.items() if k and cols[c] == "timestamp" and parses[c].fmt is None
                  and _kind_of(sources[c].type()) == "text"]
        texts_of = {c: _strip(source(raw, c).cast("string")) for c in unread}
        refused = T.day_month_orders(con, raw, texts_of, parses, table, label, problems)
        fallbacks = {}
        for col in unread:
            fb = T.fallback_map(con, raw.mutate(_src=source(raw, col)), "_src", time.zone, _strip, MISSING_TOKENS)
            if fb is not None:
                fallbacks[col] = fb.rename(**{f"_fb_key_{col}": "_fb_key", f"_fb_ts_{col}": "_fb_ts"})
        if unread:
            base, sources, values, bad = convert(fallbacks)
            counts = bad_counts(base, bad, fallbacks)
        base, sources, values, bad = convert(fallbacks, state.get("_clean", set()))
        for col, k in counts.items():
            if not k:
                continue
            flag = bad[col]
            fmt = parses[col].fmt if col in parses else None
            if fmt is not None and quarantine is not None:  # not in the given format: set aside
                idcol = S.ID_COLUMNS[table] or "rep_id"
                ids = _strip(source(base, idcol).cast("string")) if idcol in present else ibis.null("string")
                hits = con.execute(base.filter(flag).select(_row=base._row, _id=ids, v=sources[col].cast("string"))
                                   .order_by("_row"))
                quarantine.add(table, hits["_row"], col, f"{col} does not match the date_format '{fmt}'",
                               hits["_id"], hits["v"], settle=True)
                continue
            if col in refused:  # the ambiguous values are listed above: the others here, if any
                flag = flag & ~refused[col]
                k = int(con.execute(base.aggregate(n=_count_true(flag)))["n"].iloc[0] or 0)
                if not k:
                    continue
            hits = con.execute(base.filter(flag).select(_row=base._row, v=sources[col].cast("string"))
                               .order_by("_row").limit(_MAX_ROWS_LISTED))
            examples = ", ".join(repr(str(v)) for v in hits["v"].head(3))
            problems.append(S.Problem(table, col, f"{k} value(s) are not {_EXPECT[cols[col]]}: "
                                      f"{examples}", rows=[int(r) for r in hits["_row"]], file=label))
        exprs[table] = base.select(_row=base._row.cast("int64"), **values)
        if rows_in[table] == 0 and table not in S.OPTIONAL_TABLES:
            problems.append(S.Problem(table, None, "the table has no rows", file=label))
    if problems:
        return typed, problems, rows_in
    # views, not copies: the raw tables already have their fixed row numbers, and the casts are
    # cheap next to writing (and, past the memory limit, spilling) a copy of every table
    typed.update(exprs)
    return typed, problems, rows_in


def _distinct_ids(con: Any, t: ir.Table, idcol: str) -> bool:
    """True when the table's non-empty ids are certainly all distinct.

    On DuckDB: the ids' 64-bit hashes, sorted in NumPy, differ pairwise (distinct hashes mean
    distinct ids; equal ones, a duplicate or a rare collision, leave the answer to the exact
    query). A hash table of ten million text ids costs the engine several times more.
    """
    import numpy as np

    if _backend_name(con) != "duckdb":
        return False
    ids = t.filter(t[idcol].notnull())
    chunks = ids.select(h=ids[idcol].hash()).to_pyarrow()["h"].chunks
    h = np.empty(sum(len(c) for c in chunks), dtype=np.int64)  # 8 bytes an id
    pos = 0
    while chunks:  # copied into one array, the engine's chunks freed as they are copied
        part = chunks.pop(0).to_numpy(zero_copy_only=False)
        h[pos:pos + len(part)] = part
        pos += len(part)
    h.sort()
    return not bool((h[1:] == h[:-1]).any())


def _row_checks(con: Any, table: str, t: ir.Table, instrument: Instrument, q: Quarantine,
                counts: dict | None = None) -> None:
    """The row checks and duplicate keys of one table; ``counts`` (from :func:`typed_tables`)
    spares the queries of the checks that found nothing."""
    import ibis

    idcol = S.ID_COLUMNS[table] or "rep_id"
    rules = table_rules(table, instrument)
    flags = {f"_f{i}": fail(t).fill_null(False) for i, (_, _, fail) in enumerate(rules)}
    if flags and (counts is None or any(counts["rules"])):
        any_flag = ibis.or_(*flags.values())
        cols = sorted({col for col, _, _ in rules} | {idcol})
        hits = con.execute(t.filter(any_flag).select("_row", *cols, **flags).order_by("_row"))
        if len(hits):
            hits = as_contract_frame(hits, contract_columns(table, instrument))
            for i, (col, reason, _) in enumerate(rules):
                sel = hits[hits[f"_f{i}"].astype(bool)]
                if len(sel):
                    q.add(table, sel["_row"], col, reason, sel[idcol], sel[col])
    if S.ID_COLUMNS[table] and _distinct_ids(con, t, S.ID_COLUMNS[table]):
        return
    keys = [S.ID_COLUMNS[table]] if S.ID_COLUMNS[table] else ["rep_id", "quarter"]
    present = t.filter(ibis.and_(*[t[k].notnull() for k in keys]))
    dup_keys = present.group_by(keys).aggregate(_n=present.count()).filter(lambda g: g._n > 1).select(*keys)
    dups = con.execute(present.semi_join(dup_keys, keys).select("_row", *keys, **({} if idcol in keys else
                                                                                   {idcol: present[idcol]}))
                       .order_by("_row"))
    if len(dups):
        first = dups.groupby(keys, sort=False)["_row"].transform("min")
        later = dups[dups["_row"] != first]
        if S.ID_COLUMNS[table]:
            reasons = [f"duplicate {idcol} (first at row {r})" for r in first[later.index]]
            q.add(table, later["_row"], idcol, reasons, later[idcol], later[idcol])
        else:
            q.add(table, later["_row"], "quarter", "duplicate quota for the same rep and quarter",
                  later["rep_id"], later["quarter"])


def kept(con: Any, t: ir.Table, table: str, rows: list[int]) -> ir.Table:
    """The rows of a typed table that are not in ``rows`` (the quarantined ``_row`` numbers)."""
    import ibis

    if not rows:
        return t
    out = materialize(con, f"kit_quarantined_{table}",
                      ibis.memtable(pd.DataFrame({"_q_row": pd.Series(rows, dtype="int64")})))
    return t.anti_join(out, t._row == out._q_row)


def _references(con: Any, table: str, t: ir.Table, checks: list[tuple[str, str, ir.Table, ir.Table, str]],
                q: Quarantine) -> None:
    """One query for all references of a table: ``(column, target, kept parent, all parent, key)``."""
    import ibis

    idcol = S.ID_COLUMNS[table] or "rep_id"
    flags = {}
    for i, (column, _, kept_parent, all_parent, key) in enumerate(checks):
        c = t[column]
        flags[f"_bad{i}"] = (c.notnull() & ~c.isin(kept_parent[key])).fill_null(False)
        flags[f"_known{i}"] = c.isin(all_parent[key]).fill_null(False)
    cols = sorted({column for column, *_ in checks} | {idcol})
    bad_any = ibis.or_(*[flags[f"_bad{i}"] for i in range(len(checks))])
    hits = con.execute(t.filter(bad_any).select("_row", *cols, **flags).order_by("_row"))
    for i, (column, target, *_rest) in enumerate(checks):
        sel = hits[hits[f"_bad{i}"].astype(bool)]
        if not len(sel):
            continue
        reasons = [f"{column} refers to {target} '{v}', which was quarantined" if k else
                   f"{column} '{v}' is not a known {target}" for v, k in zip(sel[column], sel[f"_known{i}"])]
        q.add(table, sel["_row"], column, reasons, sel[idcol], sel[column])


def _unknown_refs(t: ir.Table, column: str, parent: ir.Table, key: str) -> int:
    """How many rows of ``t`` name a ``column`` value that ``parent`` does not have.

    Counted as the non-empty values less those a semi join finds: the engine then builds its
    hash table on the smaller side (a reference to ten million interactions from a million
    responses probes the interactions instead of hashing them).
    """
    present = t.filter(t[column].notnull())
    p = parent.select(_k=parent[key])
    found = present.semi_join(p, present[column] == p._k).count()
    return int(present.count().execute()) - int(found.execute())


def quarantine_rows(con: Any, typed: dict[str, ir.Table], instrument: Instrument,
                    checks: dict[str, dict] | None = None, time: T.TimeSettings | None = None,
                    q: Quarantine | None = None) -> tuple[dict[str, ir.Table], Quarantine]:
    """Run every row check in the engine; return the kept tables (Ibis) and the quarantine.

    Parameters
    ----------
    checks : dict, optional
        The counts :func:`typed_tables` made per table: the rows of a check are only asked
        for when it found some (a reference is checked again when its parent lost rows).
    time : kit.timestamps.TimeSettings, optional
        The data window event timestamps must lie in (:mod:`kit.timestamps`).
    q : Quarantine, optional
        A quarantine that already holds rows set aside while typing.

    Returns
    -------
    tuple
        ``(kept, quarantine)``: per table the typed rows that passed (with ``_row``), and the
        :class:`Quarantine` of those set aside.
    """
    import ibis

    checks = checks or {}
    q = Quarantine() if q is None else q
    for table, t in typed.items():
        if time is not None:
            stamps = [c for c, k in contract_columns(table, instrument).items() if k == "timestamp"]
            for rows, col, reasons, ids, values in T.outside_window(con, table, t, stamps, S.ID_COLUMNS[table] or "",
                                                                    time):
                q.add(table, rows, col, reasons, ids, values, settle=True)
        _row_checks(con, table, t, instrument, q, checks.get(table))
    keep = {name: kept(con, t, name, q.rows_of(name)) for name, t in typed.items()}

    for table in ("customers", "interactions", "surveys", "deals", "quotas"):
        if table not in typed:
            continue
        refs = REFERENCES[table]
        if not any(_unknown_refs(typed[table], column, keep[parent], key) for column, _, parent, key in refs):
            continue
        _references(con, table, typed[table], [(column, target, keep[parent], typed[parent], key)
                                               for column, target, parent, key in refs], q)
        keep[table] = kept(con, typed[table], table, q.rows_of(table))
    # a response that can be credited to no rep cannot be used
    if checks.get("surveys", {}).get("no_rep") == 0:
        return keep, q
    s = keep["surveys"]
    s = s.filter(s.rep_id.isnull())
    inter = keep["interactions"].select(_i_id="interaction_id", _i_rep="rep_id")
    cust = keep["customers"].select(_c_id="customer_id", _c_owner="owner_rep_id")
    j = s.left_join(inter, s.interaction_id == inter._i_id).left_join(cust, s.customer_id == cust._c_id)
    none = con.execute(j.filter(ibis.coalesce(j._i_rep, j._c_owner).isnull())
                       .select("_row", "response_id", "rep_id").order_by("_row"))
    if len(none):
        q.add("surveys", none["_row"], "rep_id",
              "no rep to credit: rep_id, the interaction's rep and the customer's owner are all empty",
              none["response_id"], [None] * len(none))
        keep["surveys"] = kept(con, typed["surveys"], "surveys", q.rows_of("surveys"))
    return keep, q
