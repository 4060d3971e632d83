"""Fixtures shared across the test packages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    """dbt parse once per session, as a fixture and never at import time (STYLE.md)."""
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "ENERGIA_WAREHOUSE": os.environ.get("ENERGIA_WAREHOUSE", ":memory:"),
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    subprocess.run(
        [
            bin_dir / "dagster-dbt",
            "project",
            "prepare-and-package",
            "--file",
            str(ROOT / "dagster_project" / "dbt_project.py"),
        ],
        check=True,
        cwd=ROOT,
        env=env,
        capture_output=True,
    )
    manifest = ROOT / "dbt" / "target" / "manifest.json"
    assert manifest.exists()
    return manifest
