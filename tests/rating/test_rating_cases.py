"""Billing cases: `python -m rating.case` against the expected invoices, and malformed cases."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rating_fixtures import OWN_CASES, ROOT, SHARED_CASES, assert_same_invoice

from rating.case import main

CASES = sorted(SHARED_CASES.glob("*.yaml")) + sorted(OWN_CASES.glob("*.yaml"))


def run_case(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rating.case", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def test_every_own_case_has_its_expected_invoice() -> None:
    names = {path.name.removesuffix(".yaml") for path in OWN_CASES.glob("*.yaml")}
    expected = {path.name.removesuffix(".expected.json") for path in OWN_CASES.glob("*.json")}
    assert names == expected
    assert len(names) >= 5


@pytest.mark.parametrize("path", CASES, ids=lambda path: path.stem)
def test_case_prices_to_its_expected_invoice(path: Path) -> None:
    result = run_case(path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    expected = json.loads(path.with_name(f"{path.stem}.expected.json").read_text())
    assert_same_invoice(json.loads(result.stdout), expected)


ELE_EXAMPLE = (SHARED_CASES / "ele_domestic_fixed.yaml").read_text()
GAS_EXAMPLE = (SHARED_CASES / "gas_domestic_fixed.yaml").read_text()
REGISTER_MARKET = (OWN_CASES / "ele_register_pun_market.yaml").read_text()
INTERVAL_MARKET = (OWN_CASES / "ele_interval_pun_market.yaml").read_text()
PSV_MARKET = (OWN_CASES / "gas_domestic_psv_market.yaml").read_text()

# (example, text replaced, replacement, the start of the one stderr line after the file name)
MALFORMED = {
    "missing field": (ELE_EXAMPLE, "  fee_month: 7.50\n", "", "offer.fee_month: missing"),
    "wrong type": (ELE_EXAMPLE, "power_kw: 3.0", "power_kw: three", "supply_point.power_kw:"),
    "unknown component": (
        ELE_EXAMPLE,
        "component: dispatching",
        "component: dispatch",
        "tariffs[1].component:",
    ),
    "unknown basis": (ELE_EXAMPLE, "basis: per_point_year", "basis: per_year", "tariffs[2].basis:"),
    "unknown commodity": (
        ELE_EXAMPLE,
        "commodity: ELE",
        "commodity: WATER",
        "supply_point.commodity:",
    ),
    "unknown use": (ELE_EXAMPLE, "use: domestic_resident", "use: household", "supply_point.use:"),
    "unknown field": (
        ELE_EXAMPLE,
        "  fee_month: 7.50\n",
        "  fee_month: 7.50\n  discount: 5\n",
        "offer.discount: unknown field",
    ),
    "negative consumption": (ELE_EXAMPLE, "F2: 80.250", "F2: -80.250", "consumption.F2:"),
    # a period within one month is a supply that starts or ends in it; across months, a
    # period is whole months
    "period not starting a month": (
        ELE_EXAMPLE,
        "from: 2025-03-01",
        "from: 2025-02-02",
        "period.from:",
    ),
    "period not ending a month": (ELE_EXAMPLE, "to: 2025-03-31", "to: 2025-04-29", "period.to:"),
    "price change leaving a gap": (
        ELE_EXAMPLE,
        "{component: network_energy, basis: per_kwh, unit_price: 0.010270}",
        "{component: network_energy, basis: per_kwh, changes: ["
        "{from: 2025-03-01, to: 2025-03-10, unit_price: 0.01},"
        " {from: 2025-03-12, to: 2025-03-31, unit_price: 0.02}]}",
        "tariffs[4].changes[1].from:",
    ),
    "period backwards": (ELE_EXAMPLE, "from: 2025-03-01", "from: 2025-04-01", "period.to:"),
    "not a date": (ELE_EXAMPLE, "from: 2025-03-01", "from: March", "period.from:"),
    "VAT as a percentage": (ELE_EXAMPLE, "vat_rate: 0.10", "vat_rate: 10", "taxes.vat_rate:"),
    "no losses": (
        ELE_EXAMPLE,
        "  - {component: losses, basis: percent, rate: 0.102}\n",
        "",
        "tariffs: missing the losses",
    ),
    "component twice": (
        ELE_EXAMPLE,
        "  - {component: losses, basis: percent, rate: 0.102}\n",
        "  - {component: losses, basis: percent, rate: 0.102}\n" * 2,
        "tariffs[1].component: losses is given twice",
    ),
    "band without price": (ELE_EXAMPLE, ", F3: 0.102300}", "}", "offer.energy_price.F3: missing"),
    "index of the other commodity": (
        ELE_EXAMPLE,
        "kind: fixed\n  energy_price: {F1: 0.125400, F2: 0.118900, F3: 0.102300}",
        "kind: indexed\n  index: PSV\n  spread: 0.01\n  index_price: {ALL: 0.11}",
        "offer.index:",
    ),
    "resident exemption without its quantity": (
        ELE_EXAMPLE,
        ", exempt_kwh_month: 150}",
        "}",
        "taxes.excise.exempt_kwh_month: missing",
    ),
    "domestic gas without the reduced rate": (
        GAS_EXAMPLE,
        "  vat_reduced_rate: 0.10\n",
        "",
        "taxes.vat_reduced_rate: missing",
    ),
    "tiers not increasing": (
        GAS_EXAMPLE,
        "{to_smc_year: 480, unit_price",
        "{to_smc_year: 100, unit_price",
        "tariffs[3].tiers[1].to_smc_year:",
    ),
    "last tier bounded": (
        GAS_EXAMPLE,
        "{unit_price: 0.112200}",
        "{to_smc_year: 5000, unit_price: 0.112200}",
        "tariffs[3].tiers[3].to_smc_year: the last tier has no upper bound",
    ),
    "voltage on gas": (
        GAS_EXAMPLE,
        "commodity: GAS, use",
        "commodity: GAS, voltage: LV, use",
        "supply_point.voltage: unknown field",
    ),
    "index market without a meter type": (
        REGISTER_MARKET,
        ", meter: register}",
        "}",
        "supply_point.meter: missing",
    ),
    "kWh on a register meter's hours": (
        REGISTER_MARKET,
        "{band: F2, price_eur_mwh: 95.5}",
        "{band: F2, price_eur_mwh: 95.5, kwh: 1}",
        "offer.index_market.hours[12].kwh: unknown field",
    ),
    "an interval meter's hour without kWh": (
        INTERVAL_MARKET,
        "{band: F2, price_eur_mwh: 90, kwh: 0}",
        "{band: F2, price_eur_mwh: 90}",
        "offer.index_market.hours[12].kwh: missing",
    ),
    "a consumption band without market hours": (
        REGISTER_MARKET,
        REGISTER_MARKET[
            REGISTER_MARKET.index("    hours:") : REGISTER_MARKET.index("consumption:")
        ],
        "    hours:\n      - {band: F1, price_eur_mwh: 100}\n",
        "offer.index_market.hours: no hour of band F2",
    ),
    "index price and index market both": (
        PSV_MARKET,
        "  spread: 0.110000\n",
        "  spread: 0.110000\n  index_price: {ALL: 0.4}\n",
        "offer.index_price: unknown field",
    ),
    "PSV without its PCS": (
        PSV_MARKET,
        "    pcs_mwh_per_smc: 0.010560\n",
        "",
        "offer.index_market.pcs_mwh_per_smc: missing",
    ),
    "not YAML": (ELE_EXAMPLE, "offer:\n", "offer: [\n", "line "),
    "not a mapping": (ELE_EXAMPLE, ELE_EXAMPLE, "- just a list\n", "case: expected a mapping"),
    "not a decimal": (ELE_EXAMPLE, "vat_rate: 0.10", "vat_rate: .inf", "taxes.vat_rate:"),
    "a timestamp for a date": (
        ELE_EXAMPLE,
        "from: 2025-03-01",
        "from: 2025-03-01 10:00:00",
        "period.from:",
    ),
}


@pytest.mark.parametrize("mutation", list(MALFORMED), ids=str)
def test_malformed_case_names_the_field_at_fault(
    mutation: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    example, old, new, message = MALFORMED[mutation]
    assert old in example
    path = tmp_path / "case.yaml"
    path.write_text(example.replace(old, new, 1))
    assert main([str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith(f"{path}: ")
    assert message in captured.err


@pytest.mark.parametrize("mutation", ["missing field", "not YAML"])
def test_malformed_case_exits_non_zero_without_traceback(mutation: str, tmp_path: Path) -> None:
    example, old, new, message = MALFORMED[mutation]
    path = tmp_path / "case.yaml"
    path.write_text(example.replace(old, new, 1))
    result = run_case(path)
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "nowhere.yaml")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_usage_without_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage" in capsys.readouterr().err


def test_numbers_stay_exact_decimals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """0.1 + 0.2 style float noise would show in the quantity text."""
    path = tmp_path / "case.yaml"
    path.write_text(ELE_EXAMPLE.replace("F1: 95.500", "F1: 0.1").replace("F2: 80.250", "F2: 0.2"))
    assert main([str(path)]) == 0
    lines = json.loads(capsys.readouterr().out)["lines"]
    energy = {line["band"]: line["quantity"] for line in lines if line["component"] == "energy"}
    assert energy["F1"] == "0.1102"
    assert energy["F2"] == "0.2204"
