"""The personal-data detector against the regex-only detector it replaced, on report-like text.

Target: scanning the text of a quarter's outputs with :func:`kit.pii.find_personal_data` (NFKC
normalisation, phonenumbers, ID-card and Luhn checks) takes at most **4x** the time of the
regex-only detector (``kit.pii`` as it was: e-mail, Chinese mobile and landline patterns), best
of 3 each, measured in the same run. The text is the bundled sample's CSV files and, when a
report folder is given, every text file of it (as the output scan reads them).

    .venv/bin/python benchmarks/bench_pii.py                   # the sample's CSV files
    .venv/bin/python benchmarks/bench_pii.py outputs/2026Q3    # a report folder too
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kit import pii  # noqa: E402

# the regex-only detector the kit used before (e-mail, Chinese mobile, Chinese landline)
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*[@＠][A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*"
                    r"\.[A-Za-z]{2,}(?![A-Za-z0-9\-])")
_B, _A, _S = r"(?<![0-9A-Za-z_.,+/\\])", r"(?![0-9A-Za-z_]|[.,]\d)", r"[ \t\-\u2010-\u2015]?"
_MOBILE = re.compile(_B + r"(?:(?:\+|00)86" + _S + r"|\(\+?86\)" + _S + r")?1[3-9]\d" + _S + r"\d{4}" + _S
                     + r"\d{4}" + _A)
_AREA = r"(?:10|2\d|[3-9]\d{2})"
_LANDLINE = re.compile(_B + r"(?:(?:\+|00)86" + _S + r"\(?0?" + _AREA + r"\)?|\(0" + _AREA + r"\)|0" + _AREA + r")"
                       + _S + r"[2-9]\d{2,3}" + _S + r"\d{4}" + r"(?:\s?(?:-|转|ext\.?|x)\s?\d{1,5})?" + _A)


def regex_only(text: str) -> list:
    return [m.group(0) for r in (_EMAIL, _MOBILE, _LANDLINE) for m in r.finditer(text)]


def best_of(fn, texts, n=3) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        for t in texts:
            fn(t)
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv: list[str]) -> int:
    texts = [p.read_text(encoding="utf-8-sig") for p in sorted((ROOT / "data" / "samples").glob("*.csv"))]
    for folder in argv:
        from kit.report.privacy import _TEXT_SUFFIXES, _text_for_scan

        texts += [_text_for_scan(p) for p in Path(folder).rglob("*")
                  if p.is_file() and p.suffix.lower() in _TEXT_SUFFIXES]
    size = sum(map(len, texts))
    base = best_of(regex_only, texts)
    new = best_of(pii.find_personal_data, texts)
    ratio = new / base
    print(f"text: {size / 1e6:.1f} M characters in {len(texts)} files")
    print(f"regex-only detector: {base:.2f} s; kit.pii: {new:.2f} s; ratio {ratio:.2f} (target <= 4)")
    return 0 if ratio <= 4 else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
