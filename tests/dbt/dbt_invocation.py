"""Run the dbt project in-process against a given warehouse file, for tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = ROOT / "dbt"


def dbt_cli_args(command: str, work_dir: Path, *extra: str) -> list[str]:
    """CLI arguments for one dbt command whose target and logs stay in `work_dir`.

    The shared `dbt/target` and `dbt/logs` are never written, so parallel test runs and a
    developer's own dbt runs do not trip over each other.
    """
    return [
        command,
        *("--project-dir", str(DBT_PROJECT_DIR)),
        *("--profiles-dir", str(DBT_PROJECT_DIR)),
        *("--target-path", str(work_dir / "target")),
        *("--log-path", str(work_dir / "logs")),
        *extra,
    ]


def invoke_dbt(args: list[str], warehouse: Path) -> Any:
    """Run dbt in-process with the warehouse it must use; returns the dbtRunnerResult."""
    from dbt.cli.main import dbtRunner  # imported here: dbt is slow to import

    with pytest.MonkeyPatch.context() as env:
        env.setenv("ENERGIA_WAREHOUSE", str(warehouse))
        return dbtRunner().invoke(args)


def failures(result: Any) -> str:
    """A readable list of what went wrong in a dbt invocation, for assertion messages."""
    if result.exception is not None:
        return repr(result.exception)
    lines = [
        f"{r.node.unique_id}: {r.status}: {r.message}"
        for r in getattr(result.result, "results", [])
        if str(r.status) in {"error", "fail", "runtime error", "skipped"}
    ]
    return "\n".join(lines) or "dbt failed without node failures"
