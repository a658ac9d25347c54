"""Snapshots of validated data (kit/report/snapshot.py).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import kit
import kit.report as R


def test_snapshot_round_trip_is_identical(tmp_path: Path):
    from kit.io import _fingerprint
    from tests import tiny

    data = kit.load(tiny.write_tiny(tmp_path / "d"))
    back = R.read_snapshot(R.write_snapshot(data, tmp_path / "snap"))
    assert back.fingerprints == data.fingerprints
    for name, df in data.tables.items():
        assert _fingerprint(back.tables[name]) == _fingerprint(df), name
        assert list(back.tables[name].dtypes) == list(df.dtypes), name
    assert back.quarters() == data.quarters() and back.instrument == data.instrument
    pd.testing.assert_frame_equal(back.quarantine, data.quarantine, check_dtype=False)
