"""The quality checks in Dagster: holds written before rating, the run going on around them."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

pytestmark = pytest.mark.slow


def upstream_nodes(job: dg.JobDefinition, node: str) -> set[str]:
    structure = job.graph.dependency_structure
    return {
        output.node_name
        for outputs in structure.input_to_upstream_outputs_for_node(node).values()
        for output in outputs
    }


def test_the_dbt_build_rating_reads_waits_for_every_quality_check(dbt_manifest):
    from dagster_project.definitions import defs
    from dagster_project.defs.quality import checks

    job = defs.resolve_job_def("daily_load")
    quality_steps = {c.node_def.name for c in [*checks.suite_checks, *checks.sql_checks]}
    assert len(quality_steps) == 8
    assert quality_steps <= upstream_nodes(job, "dbt_models")
    assert quality_steps <= upstream_nodes(job, "quality__supply_point_holds")


def test_checks_hold_the_defective_points_and_the_run_goes_on(tmp_path):
    from dagster_project.defs.landing import assets as landing
    from dagster_project.defs.quality import assets as quality_assets
    from dagster_project.defs.quality import checks
    from dagster_project.resources import Warehouse
    from synthetic import generate

    generate(
        tmp_path / "landing",
        seed=5,
        companies=1,
        customers=8,
        months=2,
        start="2025-03",
        defect_rate=0.05,
    )
    result = dg.materialize(
        [
            *landing.source_assets,
            quality_assets.supply_point_holds,
            *checks.suite_checks,
            *checks.sql_checks,
        ],
        resources={"warehouse": Warehouse(data_home=str(tmp_path))},
        raise_on_error=False,
    )
    assert result.success
    evaluations = {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }
    suite = evaluations[("raw/ele_interval_readings", "quality_suite")]
    failing = [e for e in evaluations.values() if not e.passed]
    assert failing and all(e.severity == dg.AssetCheckSeverity.WARN for e in failing)

    [holds] = [
        m
        for m in result.get_asset_materialization_events()
        if m.asset_key == dg.AssetKey(["quality", "supply_point_holds"])
    ]
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        held, run_findings, curve_files = con.execute(
            "SELECT (SELECT count(DISTINCT supply_point_id) FROM quality.supply_point_holds), "
            "(SELECT sum(findings) FROM quality.check_runs WHERE run_id = ?), "
            "(SELECT count(*) FROM raw.landing_files WHERE status = 'loaded' "
            " AND source = 'ele_interval_readings')",
            [result.run_id],
        ).fetchone()
    finally:
        con.close()
    assert suite.metadata["batches_checked"].value == curve_files
    metadata = holds.materialization.metadata
    assert held > 0 and metadata["points_held"].value == held
    assert metadata["findings_this_run"].value == run_findings
