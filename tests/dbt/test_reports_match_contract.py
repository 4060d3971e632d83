"""The reports' enforced dbt contracts list exactly the columns of docs/contracts.md §2."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
REPORTS_DIR = ROOT / "dbt" / "models" / "reports"
TYPED_COLUMN = re.compile(
    r"`(\w+)`\s*\(?(DECIMAL\(\d+,\s*\d+\)|(?:TIMESTAMP WITH TIME ZONE|DATE|BOOLEAN)\b)"
)


def _contract_reports() -> dict[str, tuple[list[str], dict[str, str]]]:
    """rpt name -> (columns in order, {column: type} where the contract names a type)."""
    text = (ROOT / "docs" / "contracts.md").read_text()
    section = text.split("## 2.", 1)[1].split("\n## ", 1)[0]
    reports = {}
    for bullet in re.split(r"\n- ", section):
        # a paragraph after the list is not a column; a column's type may wrap to the next line
        bullet = re.sub(r"\s+", " ", bullet.split("\n\n", 1)[0])
        # `rpt_x`, an optional remark in parentheses, then its grain and columns
        match = re.match(r"`(rpt_\w+)`(?: \([^)]*\))?:(.*)", bullet)
        if not match:
            continue
        name, body = match.groups()
        types = {col: re.sub(r"\s+", "", t.lower()) for col, t in TYPED_COLUMN.findall(body)}
        # backticked words in parentheses are values (`F1`, `kWh`), not columns
        columns = re.findall(r"`(\w+)`", re.sub(r"\([^()]*(\([^()]*\)[^()]*)*\)", "", body))
        reports[name] = (columns, types)
    return reports


def _model(name: str) -> dict:
    (model,) = yaml.safe_load((REPORTS_DIR / f"{name}.yml").read_text())["models"]
    return model


def test_the_contract_names_the_reports() -> None:
    assert set(_contract_reports()) == {
        "rpt_supply_points",
        "rpt_monthly_consumption",
        "rpt_offers",
        "rpt_load_curve",
        "rpt_billing_determinants",
        "rpt_hourly_consumption",
        "rpt_market_prices",
        "rpt_customers",
        "rpt_forward_curves",
    }
    assert {p.stem for p in REPORTS_DIR.glob("rpt_*.sql")} == set(_contract_reports())


@pytest.mark.parametrize("name", sorted(_contract_reports()))
def test_report_columns_follow_the_contract(name: str) -> None:
    columns, types = _contract_reports()[name]
    model = _model(name)
    declared = {c["name"]: re.sub(r"\s+", "", c["data_type"]) for c in model["columns"]}
    assert list(declared) == columns
    for column, type_ in types.items():
        assert declared[column] == type_, column


@pytest.mark.parametrize("name", sorted(_contract_reports()))
def test_report_contract_is_enforced(name: str) -> None:
    assert _model(name)["config"]["contract"] == {"enforced": True}
