"""Passwords in sources never reach a message, a manifest or a report, whatever the scheme."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kit import params as P
from kit.credentials import mask_secrets
from kit.report.render import safe_source, short_source

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("text,expected", [
    ("postgresql://u:SECRET@127.0.0.1:5432/db", "postgresql://u:***@127.0.0.1:5432/db"),
    ("postgresql://u:SE@CRET@127.0.0.1/db", "postgresql://u:***@127.0.0.1/db"),          # '@' in the password
    ("postgresql://u:pa/ss@host/db", "postgresql://u:***@host/db"),                        # '/' in the password
    ("postgresql://u@127.0.0.1:1/db?password=SECRET", "postgresql://u@127.0.0.1:1/db?password=***"),
    ("postgres://u@h/db?sslmode=require&password=SECRET&x=1", "postgres://u@h/db?sslmode=require&password=***&x=1"),
    ("mysql://root:SECRET@db/sales", "mysql://root:***@db/sales"),
    ("foo+bar://user:SECRET@host/x", "foo+bar://user:***@host/x"),                         # an unknown scheme
    ("snowflake://u@acct/db?token=SECRET", "snowflake://u@acct/db?token=***"),
    ("https://host/api?api_key=SECRET&q=1", "https://host/api?api_key=***&q=1"),
    ("https://ghp_SECRETSECRETSECRETSECRET@github.com/x", "https://***@github.com/x"),
    ("host=db user=kit password=SECRET dbname=sales", "host=db user=kit password=*** dbname=sales"),
    ("host=db password='SE CRET' dbname=sales", "host=db password=*** dbname=sales"),
    ("Server=h;Uid=u;Pwd=SECRET;", "Server=h;Uid=u;Pwd=***;"),
    ("cannot connect to mssql://sa:SECRET@h/db (OperationalError: login failed)",
     "cannot connect to mssql://sa:***@h/db (OperationalError: login failed)"),
])
def test_passwords_are_masked(text, expected):
    assert mask_secrets(text) == expected
    assert "SECRET" not in mask_secrets(text) and "CRET" not in mask_secrets(text)


@pytest.mark.parametrize("text", ["data/samples", "postgresql://kit@127.0.0.1:5432/kit", "exports/2026 Q3/reps.csv",
                                  "https://example.com/a?b=1", "a passage with no secret=", None, 3])
def test_other_text_is_unchanged(text):
    assert mask_secrets(text) == text


def test_every_place_that_names_a_source_masks_it():
    url = "postgresql://u:SE@CRET@127.0.0.1/db?password=SECRET"
    assert "SECRET" not in safe_source(url) and "CRET" not in short_source(url)
    assert "CRET" not in P.public({"source": url, "pseudonym_salt": "s"})["source"]
    assert "pseudonym_salt" not in P.public({"source": url, "pseudonym_salt": "s"})


def _kit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kit.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


@pytest.mark.parametrize("source", [
    "postgresql://u@127.0.0.1:1/db?password=SECRET",
    "postgresql://u:SE@CRET@127.0.0.1:1/db",
    "nosuchscheme://user:SECRET@127.0.0.1:1/db?token=SECRET",
])
def test_kit_validate_never_prints_the_password(source):
    r = _kit("validate", source)
    assert r.returncode != 0
    out = r.stdout + r.stderr
    assert "CRET" not in out and "Traceback" not in out, out
    assert "***" in out, out


def test_quarantine_out_is_written_even_when_nothing_is_set_aside(tmp_path):
    from tests import tiny

    data = tiny.write_tiny(tmp_path / "d")
    target = tmp_path / "q.csv"
    r = _kit("validate", str(data), "--quarantine-out", str(target))
    assert r.returncode == 0 and "No row set aside." in r.stdout, r.stdout + r.stderr
    assert target.read_text(encoding="utf-8-sig").splitlines()[0].startswith("table,")
