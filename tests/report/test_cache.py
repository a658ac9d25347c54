"""Cache keys and the quick quarter labels (kit/report/cache.py).
"""

from __future__ import annotations

from kit import params as P
from kit.report import cache


def test_cache_key_changes_with_each_input():
    params = P.validate({"min_n": 5})
    key = cache.cache_key(params, {"a": "1"}, {"reps": "f"})
    assert key == cache.cache_key(dict(params), {"a": "1"}, {"reps": "f"})
    assert key != cache.cache_key({**params, "min_n": 6}, {"a": "1"}, {"reps": "f"})
    assert key != cache.cache_key(params, {"a": "2"}, {"reps": "f"})
    assert key != cache.cache_key(params, {"a": "1"}, {"reps": "g"})
    assert key != cache.cache_key({**params, "pseudonym_salt": "s"}, {"a": "1"}, {"reps": "f"})


def test_quick_quarters():
    avail = ["2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    assert cache.quick_quarters("latest", avail) == ["2026Q3"] and cache.quick_quarters(None, avail) == ["2026Q3"]
    assert cache.quick_quarters("all", avail) == avail
    assert cache.quick_quarters("2025Q4:2026Q2", avail) == ["2025Q4", "2026Q1", "2026Q2"]
    assert cache.quick_quarters(["2026Q3", "2025q3"], avail) == ["2025Q3", "2026Q3"]
    assert cache.quick_quarters("2026Q3,2025Q4", avail) == ["2025Q4", "2026Q3"]
    for spec in ("2024Q1", "2026Q3:2025Q4", "FY2026", "2026-Q3:2026-Q3:2026Q3"):
        assert cache.quick_quarters(spec, avail) is None, spec  # left to the full path and its messages
