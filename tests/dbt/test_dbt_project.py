"""House rules of the dbt project, checked on the parsed manifest (STYLE.md, DESIGN.md)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

pytestmark = pytest.mark.slow

LAYER_SCHEMAS = {
    "staging": "staging",
    "intermediate": "intermediate",
    "marts": "marts",
    "reports": "reports",
}
LAYER_PREFIXES = {
    "staging": ("stg_",),
    "intermediate": ("int_",),
    "marts": ("dim_", "fct_"),
    "reports": ("rpt_",),
}


def _models(manifest: Any) -> list[Any]:
    return [
        n
        for n in manifest.nodes.values()
        if n.resource_type == "model" and n.package_name == "energia"
    ]


def _layer(model: Any) -> str:
    return model.original_file_path.split("/")[1]


def _tests_by_model(manifest: Any) -> dict[str, list[Any]]:
    tests = defaultdict(list)
    for node in manifest.nodes.values():
        if node.resource_type == "test" and getattr(node, "attached_node", None):
            tests[node.attached_node].append(node)
    return tests


def test_every_model_has_a_key_tested_unique_and_not_null(parsed_manifest: Any) -> None:
    tests = _tests_by_model(parsed_manifest)
    missing = []
    for model in _models(parsed_manifest):
        not_null = {
            t.column_name
            for t in tests[model.unique_id]
            if t.test_metadata and t.test_metadata.name == "not_null"
        }
        keys = [
            [t.column_name]
            for t in tests[model.unique_id]
            if t.test_metadata and t.test_metadata.name == "unique"
        ]
        keys += [
            t.test_metadata.kwargs["columns"]
            for t in tests[model.unique_id]
            if t.test_metadata and t.test_metadata.name == "unique_combination"
        ]
        if not any(set(key) <= not_null for key in keys):
            missing.append(model.name)
    assert missing == []


def test_models_sit_in_their_layer_with_its_prefix_and_schema(parsed_manifest: Any) -> None:
    for model in _models(parsed_manifest):
        layer = _layer(model)
        assert model.name.startswith(LAYER_PREFIXES[layer]), model.name
        assert model.schema == LAYER_SCHEMAS[layer], model.name


def test_only_staging_models_read_sources(parsed_manifest: Any) -> None:
    readers = {m.name for m in _models(parsed_manifest) if m.sources}
    assert readers and all(name.startswith("stg_") for name in readers)


def test_staging_models_are_named_for_their_source_folder(parsed_manifest: Any) -> None:
    for model in _models(parsed_manifest):
        if _layer(model) == "staging":
            folder = model.original_file_path.split("/")[2]
            assert model.name.startswith(f"stg_{folder}__"), model.name
            assert model.config.materialized == "view"


def test_every_model_has_its_own_yaml(parsed_manifest: Any) -> None:
    for model in _models(parsed_manifest):
        expected = model.original_file_path.removesuffix(".sql") + ".yml"
        assert model.patch_path == f"energia://{expected}", model.name


def test_reports_enforce_their_contract(parsed_manifest: Any) -> None:
    reports = [m for m in _models(parsed_manifest) if _layer(m) == "reports"]
    # which reports there are is docs/contracts.md's (test_reports_match_contract.py)
    assert len(reports) >= 9
    for model in reports:
        assert model.contract.enforced, model.name
        assert all(c.data_type for c in model.columns.values()), model.name


def test_seeds_land_in_reference(parsed_manifest: Any) -> None:
    for node in parsed_manifest.nodes.values():
        if node.resource_type == "seed":
            assert node.schema == "reference", node.name


def test_unit_tests_cover_bands_dst_and_the_billing_determinants(parsed_manifest: Any) -> None:
    names = {(u.model, u.name) for u in parsed_manifest.unit_tests.values()}
    assert {
        ("dim_quarter_hour", "dim_quarter_hour_bands_on_a_weekday"),
        ("dim_quarter_hour", "dim_quarter_hour_bands_on_a_saturday"),
        ("dim_quarter_hour", "dim_quarter_hour_bands_on_a_sunday"),
        ("dim_quarter_hour", "dim_quarter_hour_bands_on_a_weekday_holiday"),
        ("dim_quarter_hour", "dim_quarter_hour_spring_dst_day_has_92"),
        ("dim_quarter_hour", "dim_quarter_hour_autumn_dst_day_has_100"),
        ("fct_monthly_consumption", "fct_monthly_consumption_interval_point_band_sums"),
        ("fct_monthly_consumption", "fct_monthly_consumption_register_point_band_sums"),
        (
            "int_register_readings_differenced",
            "int_register_readings_differenced_roll_over_and_replacement",
        ),
        (
            "int_register_readings_chained",
            "int_register_readings_chained_meter_replacement_mid_period",
        ),
        ("fct_self_readings_validated", "fct_self_readings_validated_rejects_implausible"),
        (
            "int_register_determinants_apportioned",
            "int_register_determinants_apportioned_estimate_then_true_up",
        ),
        ("dim_gas_conversion_coefficient", "dim_gas_conversion_coefficient_milan_zone_e"),
        ("fct_billing_determinants", "fct_billing_determinants_gas_smc_and_contract_split"),
        ("int_load_curve_days_summed", "int_load_curve_days_summed_newest_delivery_by_band"),
        (
            "int_interval_determinants_summed",
            "int_interval_determinants_summed_per_billing_period",
        ),
    } <= names
