"""The reference seeds: their declared types, and complete, unambiguous prices for 2024-2026."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date

import duckdb
import pytest
from rating_fixtures import SEED_NAMES, SEEDS, create_reference_tables, seed_column_types

from rating.rules import USES, VOLTAGES

MONTHS = [date(year, month, 1) for year in (2024, 2025, 2026) for month in range(1, 13)]


@pytest.fixture(scope="module")
def reference() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    create_reference_tables(connection, load_csv=True)
    yield connection
    connection.close()


@pytest.mark.parametrize("name", SEED_NAMES)
def test_csv_header_matches_declared_column_types(name: str) -> None:
    with (SEEDS / f"{name}.csv").open(newline="") as file:
        header = next(csv.reader(file))
    assert header == list(seed_column_types()[name])


def test_money_and_dates_have_exact_types(reference: duckdb.DuckDBPyConnection) -> None:
    types = dict(
        reference.execute(
            "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = 'reference'"
        ).fetchall()
    )
    assert types["ref_regulated_tariffs.unit_price"] == "DECIMAL(18,6)"
    assert types["ref_tax_rates.rate"] == "DECIMAL(18,6)"
    assert types["ref_regulated_tariffs.valid_from"] == "DATE"
    assert types["ref_tax_rates.valid_to"] == "DATE"


# what every electricity supply point needs in every month, by use
ELECTRICITY_COMPONENTS = {
    "domestic_resident": {
        "losses",
        "dispatching",
        "network_fixed",
        "network_power",
        "network_energy",
        "system_energy",
    },
    "domestic_nonresident": {
        "losses",
        "dispatching",
        "network_fixed",
        "network_power",
        "network_energy",
        "system_energy",
        "system_fixed",
    },
    "non_domestic": {
        "losses",
        "dispatching",
        "network_fixed",
        "network_power",
        "network_energy",
        "system_fixed",
        "system_power",
        "system_energy",
    },
}


@pytest.mark.parametrize("month", MONTHS, ids=lambda month: f"{month:%Y-%m}")
def test_each_electricity_profile_has_one_price_per_component(
    reference: duckdb.DuckDBPyConnection, month: date
) -> None:
    for use in USES:
        for voltage in VOLTAGES:
            rows = reference.execute(
                """
                SELECT component, count(*)
                FROM reference.ref_regulated_tariffs
                WHERE commodity = 'ELE' AND use IN ($use, '*') AND voltage IN ($voltage, '*')
                    AND valid_from <= $month AND coalesce(valid_to, $month) >= last_day($month)
                GROUP BY component
                """,
                {"use": use, "voltage": voltage, "month": month},
            ).fetchall()
            assert dict(rows) == dict.fromkeys(ELECTRICITY_COMPONENTS[use], 1), (use, voltage)


@pytest.mark.parametrize("commodity", ["ELE", "GAS"])
def test_each_use_has_vat_and_excise_all_along(
    reference: duckdb.DuckDBPyConnection, commodity: str
) -> None:
    for month in MONTHS:
        for use in USES:
            taxes = dict(
                reference.execute(
                    """
                    SELECT tax, count(DISTINCT tier) + count(*) FILTER (WHERE tier IS NULL)
                    FROM reference.ref_tax_rates
                    WHERE commodity = $commodity AND use IN ($use, '*')
                        AND valid_from <= $month AND coalesce(valid_to, $month) >= $month
                    GROUP BY tax
                    """,
                    {"commodity": commodity, "use": use, "month": month},
                ).fetchall()
            )
            assert taxes.get("vat") == 1, (month, use)
            assert taxes.get("excise", 0) >= 1, (month, use)


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("ref_regulated_tariffs", "commodity, use, voltage, component, valid_from"),
        ("ref_tax_rates", "commodity, use, tax, valid_from"),
    ],
)
def test_tiers_are_contiguous_from_zero(
    reference: duckdb.DuckDBPyConnection, table: str, key: str
) -> None:
    gaps = reference.execute(
        f"""
        SELECT {key}, tier_from, previous_to
        FROM (
            SELECT *, lag(tier_to) OVER (PARTITION BY {key} ORDER BY tier_from) AS previous_to,
                row_number() OVER (PARTITION BY {key} ORDER BY tier_from) AS position
            FROM reference.{table}
            WHERE tier_from IS NOT NULL
        )
        WHERE (position = 1 AND tier_from <> 0) OR (position > 1 AND tier_from <> previous_to)
        """
    ).fetchall()
    assert gaps == []


def test_one_gas_pcs_per_month(reference: duckdb.DuckDBPyConnection) -> None:
    for month in MONTHS:
        rows = reference.execute(
            "SELECT pcs_mwh_per_smc FROM reference.ref_gas_pcs WHERE valid_from <= $month"
            " AND coalesce(valid_to, $month) >= last_day($month)",
            {"month": month},
        ).fetchall()
        assert len(rows) == 1 and 0.009 < rows[0][0] < 0.012, month


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("ref_regulated_tariffs", "commodity, use, voltage, component, tier_from"),
        ("ref_tax_rates", "commodity, use, tax, tier"),
        ("ref_gas_pcs", "1"),
    ],
)
def test_validity_periods_do_not_overlap(
    reference: duckdb.DuckDBPyConnection, table: str, key: str
) -> None:
    overlaps = reference.execute(
        f"""
        SELECT {key}, valid_from
        FROM (
            SELECT *, lead(valid_from) OVER (
                PARTITION BY {key} ORDER BY valid_from) AS next_from
            FROM reference.{table}
        )
        WHERE next_from IS NOT NULL AND (valid_to IS NULL OR valid_to >= next_from)
        """
    ).fetchall()
    assert overlaps == []
