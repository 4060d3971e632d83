"""The gas coefficient unit test's expectation is C computed independently (DOMAIN.md §4)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import domain_reference as ref
import yaml

MODEL_YAML = (
    Path(__file__).resolve().parents[2]
    / "dbt"
    / "models"
    / "marts"
    / "dim_gas_conversion_coefficient.yml"
)


def test_the_unit_tests_expected_coefficient_is_the_domains() -> None:
    (unit_test,) = yaml.safe_load(MODEL_YAML.read_text())["unit_tests"]
    point = next(
        row
        for given in unit_test["given"]
        if given["input"] == "ref('int_supply_points_versioned')"
        for row in given["rows"]
        if row["commodity"] == "GAS"
    )
    (expected,) = unit_test["expect"]["rows"]
    assert Decimal(str(expected["conversion_coefficient"])) == ref.conversion_coefficient(
        point["altitude_m"], point["climate_zone"]
    )
    pb = ref.half_up(
        Decimal("1.01325")
        * (1 - Decimal("0.0000225577") * point["altitude_m"]) ** Decimal("5.2559")
    )
    assert Decimal(str(expected["pb"])) == pb
