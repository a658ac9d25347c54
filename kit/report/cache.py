"""Cache keys and fingerprints: when a quarter's report is unchanged and need not run again."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import shutil
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from kit import params as P
from kit.config import defaults, project
from kit.periods import QUARTER_TEXT
from kit.report.layout import MANIFEST
from kit.report.publish import recover
from kit.report.render import short_source
from kit.report.snapshot import load_options, resolve_source, snapshot_meta, write_snapshot


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@functools.cache
def kit_code_hash() -> str:
    """A hash of the kit's source (``*.py``, ``*.yaml``) as this process found it (once per process):
    reports are made again after any change to the code they call, even without a new version."""
    root = Path(__file__).resolve().parents[1]  # the kit package
    h = hashlib.sha256()
    for p in sorted([*root.rglob("*.py"), *root.rglob("*.yaml")]):
        if "__pycache__" in p.parts:
            continue
        h.update(p.relative_to(root).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


_PACKAGES = ("papermill", "nbconvert", "nbclient", "nbformat", "ipykernel", "jupyter_client", "pandas", "numpy",
             "pyarrow", "duckdb", "ibis-framework", "pandera", "scipy", "statsmodels", "matplotlib", "seaborn",
             "pyyaml", "click")


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    import kit

    out = {"python": sys.version.split()[0], "kit": kit.__version__}
    for name in _PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def source_digest(source: str, params: Mapping[str, Any]) -> str | None:
    """A hash of everything loading reads, for a local source; None for a database URL."""
    if "://" in source:
        return None
    p = Path(source)
    h = hashlib.sha256()
    if p.is_dir():
        for f in sorted(p.iterdir()):
            if f.is_file() and not f.name.startswith("."):
                h.update(f.name.encode())
                h.update(sha256_file(f).encode())
    elif p.is_file():
        h.update(sha256_file(p).encode())
    else:
        return None
    for key in ("column_map", "instrument"):
        v = params.get(key)
        h.update(f"{key}={v}".encode())
        if v and Path(v).is_file():
            h.update(sha256_file(Path(v)).encode())
    # the default instrument (kit.survey.default_instrument_path, without importing pandas)
    d = project().instrument
    if d.is_file():
        h.update(sha256_file(d).encode())

    def norm(v: Any, kind: type) -> str:
        try:
            return repr(kind(v))
        except (TypeError, ValueError):
            return repr(v)

    shipped = defaults()
    share = params.get("max_quarantine_share", shipped["max_quarantine_share"])
    fsm = params.get("fiscal_start_month", shipped["fiscal_start_month"])
    # the time settings as given (a window ending "a year after today" does not change the key daily)
    reading = json.dumps({k: params.get(k, shipped.get(k)) for k in ("timezone", "date_format", "data_window")},
                         sort_keys=True, default=str)
    h.update(f"{norm(share, float)}|{norm(fsm, int)}|{reading}|{kit_code_hash()}".encode())
    return h.hexdigest()[:24]


def cache_key(job_params: Mapping[str, Any], nb_hashes: Mapping[str, str], fingerprints: Mapping[str, str]) -> str:
    import kit

    pub = P.public(job_params)
    salt = str(job_params.get("pseudonym_salt") or "")
    material = {
        "kit_version": kit.__version__,
        "kit_code": kit_code_hash(),
        "notebooks": dict(sorted(nb_hashes.items())),
        "parameters": pub,
        "salt": hashlib.sha256(salt.encode()).hexdigest()[:12] if salt else "",
        "data": dict(sorted(fingerprints.items())),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str,
                                     ensure_ascii=False).encode()).hexdigest()[:32]


def input_key(raw_params: Mapping[str, Any], nb_hashes: Mapping[str, str], source_digest: str) -> str:
    """A hash of a quarter's inputs as given (parameter layers merged, not yet validated)."""
    import kit

    values = {k: v for k, v in raw_params.items() if k not in P.SECRET_KEYS}
    salt = str(raw_params.get("pseudonym_salt") or "")
    material = {"kit_version": kit.__version__, "kit_code": kit_code_hash(),
                "notebooks": dict(sorted(nb_hashes.items())),
                "parameters": values, "salt": hashlib.sha256(salt.encode()).hexdigest()[:12] if salt else "",
                "source": source_digest}
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str,
                                     ensure_ascii=False).encode()).hexdigest()[:32]


def quick_quarters(spec: Any, available: Sequence[str]) -> list[str] | None:
    """Quarter labels of a simple spec (latest, all, 2026Q3, 2025Q4:2026Q3, lists); None otherwise."""
    def index(text: str) -> int | None:
        m = QUARTER_TEXT.match(text)
        return int(m.group(1)) * 4 + int(m.group(2)) - 1 if m else None

    if spec is None or (isinstance(spec, str) and spec.strip().lower() == "latest"):
        return [available[-1]] if available else None
    if isinstance(spec, str) and spec.strip().lower() == "all":
        return list(available) or None
    parts = [p for item in ([spec] if isinstance(spec, str) else list(spec)) for p in str(item).split(",") if p.strip()]
    out: list[str] = []
    for part in parts:
        ends = part.split(":")
        idx = [index(e) for e in ends]
        if len(ends) > 2 or None in idx or idx[0] > idx[-1]:
            return None
        out += [f"{i // 4}Q{i % 4 + 1}" for i in range(idx[0], idx[-1] + 1)]
    chosen = sorted(set(out))
    return chosen if chosen and all(q in available for q in chosen) else None


def unchanged(quarters: Any, combine: Callable[[Any], P.Parameters], nb_hashes: Mapping[str, str], cache: Path,
               out: Path) -> list[tuple[str, dict]] | None:
    """The quarters and their manifests when every quarter asked for is unchanged; else None."""
    try:
        base = combine(None).values
        source = resolve_source(str(base.get("source", "data/samples")))
        digest = source_digest(source, base)
        if digest is None or not (cache / "snapshots" / digest / "meta.json").is_file():
            return None
        chosen = quick_quarters(quarters, snapshot_meta(cache / "snapshots" / digest)["quarters"])
        if not chosen:
            return None
        found = []
        for q in chosen:
            prev = previous_manifest(out / q)
            if not prev or prev.get("status") != "ok" or not prev.get("input_key"):
                return None
            raw = combine(q).values
            if resolve_source(str(raw.get("source", "data/samples"))) != source:
                return None
            if prev["input_key"] != input_key(raw, nb_hashes, digest):
                return None
            found.append((q, prev))
        for q, _ in found:
            recover(out, q)
        return found
    except Exception:  # anything unusual: the full path decides (and reports it properly)
        return None


def previous_manifest(final: Path) -> dict | None:
    try:
        return json.loads((final / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# --- the data validated once per source (a snapshot per fingerprint) ----------------------------


def load_key(params: Mapping[str, Any]) -> tuple:
    return (resolve_source(str(params["source"])), params.get("column_map"), params.get("instrument"),
            float(params["max_quarantine_share"]), int(params["fiscal_start_month"]),
            json.dumps(load_options(params), sort_keys=True, default=str))


def load_snapshot(params: Mapping[str, Any], cache: Path) -> tuple[Path, dict]:
    """Validate the data (``kit.load``) unless an identical source was validated before; return
    the snapshot folder and its meta (fingerprints, quarters, rows)."""
    import kit

    source = resolve_source(str(params["source"]))
    digest = source_digest(source, params)
    snapshots = cache / "snapshots"
    if digest is not None:
        folder = snapshots / digest
        if (folder / "meta.json").is_file():
            os.utime(folder)
            return folder, snapshot_meta(folder)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = kit.load(source, column_map=params.get("column_map"), instrument=params.get("instrument"),
                        max_quarantine_share=float(params["max_quarantine_share"]),
                        fiscal_start_month=int(params["fiscal_start_month"]), **load_options(params))
    name = digest or "db-" + hashlib.sha256(json.dumps(data.fingerprints, sort_keys=True).encode()).hexdigest()[:20]
    folder = snapshots / name
    if not (folder / "meta.json").is_file():
        tmp = snapshots / f".{name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        write_snapshot(data, tmp)
        try:
            os.rename(tmp, folder)
        except OSError:  # written meanwhile by another run
            shutil.rmtree(tmp, ignore_errors=True)
    logging.getLogger("kit.report").info(f"data: {short_source(source)} validated in {time.perf_counter() - t0:.1f} s "
        f"({', '.join(f'{t} {n:,}' for t, n in data.rows_in.items())}; {len(data.quarantine):,} row(s) set aside)")
    prune_snapshots(snapshots, keep=4)
    return folder, snapshot_meta(folder)


def prune_snapshots(folder: Path, keep: int) -> None:
    try:
        snaps = sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
                       key=lambda p: p.stat().st_mtime, reverse=True)
    except FileNotFoundError:
        return
    for p in snaps[keep:]:
        if time.time() - p.stat().st_mtime > 3600:  # never one a parallel run may be reading
            shutil.rmtree(p, ignore_errors=True)
