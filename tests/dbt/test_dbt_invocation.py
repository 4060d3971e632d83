"""The dbt command lines the tests build."""

from __future__ import annotations

from dbt_invocation import dbt_cli_args


def test_dbt_cli_args_keep_target_and_logs_out_of_the_project(tmp_path) -> None:
    args = dbt_cli_args("build", tmp_path, "--select", "marts")
    assert args[0] == "build" and args[-2:] == ["--select", "marts"]
    assert args[args.index("--target-path") + 1] == str(tmp_path / "target")
    assert args[args.index("--log-path") + 1] == str(tmp_path / "logs")
    assert args[args.index("--project-dir") + 1] == args[args.index("--profiles-dir") + 1]
