"""The rating package stays a domain package: no orchestration or UI imports."""

from __future__ import annotations

import subprocess
import sys

from rating_fixtures import ROOT


def test_rating_imports_neither_dagster_nor_dash() -> None:
    probe = (
        "import sys, rating.rules, rating.case, rating.engine, rating.schema, rating.credit_notes; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dagster', 'dash')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "[]"
