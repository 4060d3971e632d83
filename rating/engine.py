"""The set-based rating engine: prices a month of supply points into draft invoices, in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import duckdb

from rating.rules import ELECTRICITY_TARIFFS, Period

# The same rules as rating.rules, stated over whole tables. Every statement reads the month's
# parameters: $month_start, $month_end, $months, $year_share (from rules.Period, so the
# period arithmetic has one definition) and $company_ids (the lot; NULL for every company).

BILLING_TABLES = """
CREATE SCHEMA IF NOT EXISTS billing;
CREATE TABLE IF NOT EXISTS billing.invoice_lines (
    invoice_id VARCHAR NOT NULL,
    line_no INTEGER NOT NULL,
    supply_point_id VARCHAR NOT NULL,
    component VARCHAR NOT NULL,
    band VARCHAR,
    tier INTEGER,
    quantity DECIMAL(18, 6) NOT NULL,
    unit_price DECIMAL(18, 6) NOT NULL,
    amount DECIMAL(14, 2) NOT NULL,
    vat_rate DECIMAL(5, 4) NOT NULL
);
CREATE TABLE IF NOT EXISTS billing.invoices (
    invoice_id VARCHAR NOT NULL,
    company_id VARCHAR NOT NULL,
    billing_account_id VARCHAR NOT NULL,
    customer_id VARCHAR,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    taxable DECIMAL(14, 2) NOT NULL,
    vat_total DECIMAL(14, 2) NOT NULL,
    total DECIMAL(14, 2) NOT NULL,
    status VARCHAR NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL
);
"""

# The one rounding of money in SQL. DuckDB rounds a DECIMAL half away from zero, which is
# Python's ROUND_HALF_UP (rules.round_to_cent).
ROUND_TO_CENT = "CREATE OR REPLACE TEMP MACRO round_to_cent(amount) AS round(amount, 2)"

IN_LOT = "($company_ids::VARCHAR[] IS NULL OR list_contains($company_ids::VARCHAR[], {column}))"

# the month's consumption per band, with the offer's price for the band
BANDS = f"""
CREATE OR REPLACE TEMP TABLE rating_bands AS
SELECT
    consumption.supply_point_id,
    consumption.band,
    consumption.quantity,
    CASE consumption.band
        WHEN 'F1' THEN coalesce(offer.price_f1, offer.price_single)
        WHEN 'F2' THEN coalesce(offer.price_f2, offer.price_single)
        WHEN 'F3' THEN coalesce(offer.price_f3, offer.price_single)
        WHEN 'ALL' THEN offer.price_single
    END AS unit_price
FROM reports.rpt_monthly_consumption AS consumption
LEFT JOIN reports.rpt_supply_points AS supply_point USING (supply_point_id)
LEFT JOIN reports.rpt_offers AS offer ON offer.offer_id = supply_point.offer_id
WHERE consumption.month = $month_start::DATE
    AND {IN_LOT.format(column="consumption.company_id")}
"""

# one row per supply point with consumption in the month: its determinants
POINTS = """
CREATE OR REPLACE TEMP TABLE rating_points AS
WITH consumption AS (
    SELECT
        supply_point_id,
        sum(quantity) AS total_quantity,
        bool_or(unit_price IS NULL) AS band_price_missing
    FROM rating_bands
    GROUP BY supply_point_id
)
SELECT
    consumption.supply_point_id,
    consumption.total_quantity,
    consumption.band_price_missing,
    supply_point.supply_point_id IS NOT NULL AS registered,
    supply_point.company_id,
    supply_point.billing_account_id,
    supply_point.customer_id,
    supply_point.commodity,
    supply_point.use,
    supply_point.voltage,
    CAST(supply_point.power_kw AS DECIMAL(18, 6)) AS power_kw,
    offer.offer_id IS NOT NULL AS has_offer,
    offer.kind AS offer_kind,
    offer.fee_month
FROM consumption
LEFT JOIN reports.rpt_supply_points AS supply_point USING (supply_point_id)
LEFT JOIN reports.rpt_offers AS offer ON offer.offer_id = supply_point.offer_id
"""

# Regulated prices per (use, voltage) profile: the most specific rows win ('*' matches any).
# A component is usable only when one row covers the whole month.
TARIFFS = """
CREATE OR REPLACE TEMP TABLE rating_tariffs AS
WITH profiles AS (
    SELECT DISTINCT use, voltage FROM rating_points WHERE commodity = 'ELE'
),
candidates AS (
    SELECT
        profiles.use,
        profiles.voltage,
        tariff.component,
        tariff.unit_price,
        tariff.valid_from,
        tariff.valid_to,
        CAST(tariff.use <> '*' AS INTEGER) + CAST(tariff.voltage <> '*' AS INTEGER) AS specificity
    FROM profiles
    JOIN reference.ref_regulated_tariffs AS tariff
        ON tariff.commodity = 'ELE'
        AND tariff.use IN (profiles.use, '*')
        AND tariff.voltage IN (profiles.voltage, '*')
        AND list_contains($tariff_components::VARCHAR[], tariff.component)
        AND tariff.valid_from <= $month_end::DATE
        AND coalesce(tariff.valid_to, $month_end::DATE) >= $month_start::DATE
    QUALIFY specificity = max(specificity) OVER (PARTITION BY profiles.use, profiles.voltage,
                                                              tariff.component)
)
SELECT
    use,
    voltage,
    component,
    any_value(unit_price) AS unit_price,
    count(*) = 1
        AND bool_and(valid_from <= $month_start::DATE
                     AND coalesce(valid_to, $month_end::DATE) >= $month_end::DATE)
        AS whole_month
FROM candidates
GROUP BY use, voltage, component
"""

# VAT, excise tiers and the excise exemption per use, chosen like the tariffs
TAXES = """
CREATE OR REPLACE TEMP TABLE rating_taxes AS
SELECT
    uses.use,
    tax.tax,
    tax.tier,
    tax.tier_from,
    tax.tier_to,
    tax.max_power_kw,
    tax.rate,
    tax.valid_from <= $month_start::DATE
        AND coalesce(tax.valid_to, $month_end::DATE) >= $month_end::DATE AS whole_month
FROM (SELECT DISTINCT use FROM rating_points WHERE commodity = 'ELE') AS uses
JOIN reference.ref_tax_rates AS tax
    ON tax.commodity = 'ELE'
    AND tax.use IN (uses.use, '*')
    AND tax.tax IN ('vat', 'excise', 'excise_exemption')
    AND tax.valid_from <= $month_end::DATE
    AND coalesce(tax.valid_to, $month_end::DATE) >= $month_start::DATE
QUALIFY CAST(tax.use <> '*' AS INTEGER)
    = max(CAST(tax.use <> '*' AS INTEGER)) OVER (PARTITION BY uses.use, tax.tax)
"""

# each supply point either priced (skip_reason NULL) or left out with the first reason found
CLASSIFIED = """
CREATE OR REPLACE TEMP TABLE rating_classified AS
WITH profiles AS (
    SELECT
        use,
        voltage,
        max(unit_price) FILTER (WHERE component = 'losses') AS losses_rate,
        bool_and(whole_month) AS tariffs_whole_month
    FROM rating_tariffs
    GROUP BY use, voltage
),
use_taxes AS (
    SELECT
        use,
        max(rate) FILTER (WHERE tax = 'vat') AS vat_rate,
        count(*) FILTER (WHERE tax = 'vat') AS vat_rates,
        count(*) FILTER (WHERE tax = 'excise') AS excise_tiers,
        max(tier_to) FILTER (WHERE tax = 'excise_exemption') AS exempt_kwh_month,
        max(max_power_kw) FILTER (WHERE tax = 'excise_exemption') AS exemption_max_power_kw,
        -- a tier appearing twice means the rate changes within the month
        bool_and(whole_month) AND count(*) = count(DISTINCT (tax, tier)) AS taxes_whole_month
    FROM rating_taxes
    GROUP BY use
),
invoiced AS (
    SELECT DISTINCT billing_account_id
    FROM billing.invoices
    WHERE period_start = $month_start::DATE AND status <> 'draft'
)
SELECT
    point.*,
    profiles.losses_rate,
    use_taxes.vat_rate,
    greatest(
        point.total_quantity - CASE
            WHEN point.power_kw <= use_taxes.exemption_max_power_kw
                THEN use_taxes.exempt_kwh_month * $months
            ELSE 0
        END,
        0
    ) AS excise_quantity,
    CASE
        WHEN NOT point.registered THEN 'supply_point_not_in_registry'
        WHEN point.commodity <> 'ELE' THEN 'gas_not_rated_yet'
        WHEN NOT point.has_offer THEN 'offer_missing'
        WHEN point.offer_kind = 'indexed' THEN 'indexed_offer_not_rated_yet'
        WHEN point.offer_kind IS DISTINCT FROM 'fixed' THEN 'offer_kind_unknown'
        WHEN point.use IS NULL OR point.voltage IS NULL OR point.power_kw IS NULL
            THEN 'supply_point_data_missing'
        WHEN point.band_price_missing OR point.fee_month IS NULL THEN 'offer_price_missing'
        WHEN profiles.losses_rate IS NULL THEN 'losses_tariff_missing'
        WHEN NOT profiles.tariffs_whole_month THEN 'tariff_not_valid_for_whole_month'
        WHEN NOT use_taxes.taxes_whole_month THEN 'tax_not_valid_for_whole_month'
        WHEN use_taxes.vat_rates IS DISTINCT FROM 1 THEN 'vat_rate_missing'
        WHEN use_taxes.excise_tiers = 0 THEN 'excise_missing'
        WHEN invoiced.billing_account_id IS NOT NULL THEN 'period_already_invoiced'
    END AS skip_reason
FROM rating_points AS point
LEFT JOIN profiles ON profiles.use = point.use AND profiles.voltage = point.voltage
LEFT JOIN use_taxes ON use_taxes.use = point.use
LEFT JOIN invoiced ON invoiced.billing_account_id = point.billing_account_id
"""

# CASES.md's electricity lines. Quantities stay exact until the amount is rounded: each is cast
# to DECIMAL(38, 12), enough for 6-decimal consumption times a 6-decimal rate, since a UNION
# would otherwise settle on the widest integer part and round them to 6 decimals.
LINES = """
CREATE OR REPLACE TEMP TABLE rating_lines AS
WITH priced AS (
    SELECT * FROM rating_classified WHERE skip_reason IS NULL
),
charges AS (
    SELECT
        priced.supply_point_id,
        'energy' AS component,
        band.band,
        CAST(NULL AS INTEGER) AS tier,
        CAST(band.quantity * (1 + priced.losses_rate) AS DECIMAL(38, 12)) AS quantity,
        band.unit_price
    FROM priced
    JOIN rating_bands AS band USING (supply_point_id)
    UNION ALL
    SELECT supply_point_id, 'marketing_fee', NULL, NULL, CAST($months AS DECIMAL(38, 12)), fee_month
    FROM priced
    UNION ALL
    SELECT
        priced.supply_point_id,
        tariff.component,
        NULL,
        NULL,
        CAST(
            CASE tariff.component
                WHEN 'dispatching' THEN priced.total_quantity * (1 + priced.losses_rate)
                WHEN 'network_fixed' THEN $year_share::DECIMAL(18, 6)
                WHEN 'system_fixed' THEN $year_share::DECIMAL(18, 6)
                WHEN 'network_power' THEN priced.power_kw * $year_share::DECIMAL(18, 6)
                WHEN 'system_power' THEN priced.power_kw * $year_share::DECIMAL(18, 6)
                WHEN 'network_energy' THEN priced.total_quantity
                WHEN 'system_energy' THEN priced.total_quantity
            END AS DECIMAL(38, 12)
        ),
        tariff.unit_price
    FROM priced
    JOIN rating_tariffs AS tariff
        ON tariff.use = priced.use
        AND tariff.voltage = priced.voltage
        AND tariff.component <> 'losses'
    UNION ALL
    -- excise by monthly tier (bounds × months) of the quantity beyond any exemption
    SELECT
        priced.supply_point_id,
        'excise',
        NULL,
        tax.tier,
        CAST(
            greatest(
                least(
                    priced.excise_quantity,
                    coalesce(tax.tier_to * $months, priced.excise_quantity)
                ) - coalesce(tax.tier_from, 0) * $months,
                0
            ) AS DECIMAL(38, 12)
        ),
        tax.rate
    FROM priced
    JOIN rating_taxes AS tax ON tax.use = priced.use AND tax.tax = 'excise'
)
SELECT
    priced.billing_account_id || '-' || strftime($month_start::DATE, '%Y%m') AS invoice_id,
    priced.company_id,
    priced.billing_account_id,
    priced.customer_id,
    charges.supply_point_id,
    charges.component,
    charges.band,
    charges.tier,
    CAST(charges.quantity AS DECIMAL(18, 6)) AS quantity,
    CAST(charges.unit_price AS DECIMAL(18, 6)) AS unit_price,
    CAST(round_to_cent(charges.quantity * charges.unit_price) AS DECIMAL(14, 2)) AS amount,
    CAST(priced.vat_rate AS DECIMAL(5, 4)) AS vat_rate,
    list_position($line_order::VARCHAR[], charges.component) AS component_rank
FROM charges
JOIN priced USING (supply_point_id)
-- a band or tier not reached has nothing to bill
WHERE charges.quantity <> 0
"""

# VAT per rate on the invoice's sum of that rate's lines; total = taxable + VAT
INVOICES = """
CREATE OR REPLACE TEMP TABLE rating_invoices AS
WITH by_rate AS (
    SELECT
        invoice_id,
        any_value(company_id) AS company_id,
        any_value(billing_account_id) AS billing_account_id,
        min(customer_id) AS customer_id,
        sum(amount) AS taxable,
        round_to_cent(vat_rate * sum(amount)) AS vat
    FROM rating_lines
    GROUP BY invoice_id, vat_rate
)
SELECT
    invoice_id,
    any_value(company_id) AS company_id,
    any_value(billing_account_id) AS billing_account_id,
    min(customer_id) AS customer_id,
    CAST(sum(taxable) AS DECIMAL(14, 2)) AS taxable,
    CAST(sum(vat) AS DECIMAL(14, 2)) AS vat_total,
    CAST(sum(taxable) + sum(vat) AS DECIMAL(14, 2)) AS total
FROM by_rate
GROUP BY invoice_id
"""

DRAFTS_IN_SCOPE = f"""
    SELECT invoice_id
    FROM billing.invoices
    WHERE status = 'draft'
        AND period_start = $month_start::DATE
        AND {IN_LOT.format(column="company_id")}
"""

REPLACE_DRAFTS = (
    f"DELETE FROM billing.invoice_lines WHERE invoice_id IN ({DRAFTS_IN_SCOPE})",
    f"DELETE FROM billing.invoices WHERE invoice_id IN ({DRAFTS_IN_SCOPE})",
    """
    INSERT INTO billing.invoice_lines
    SELECT
        invoice_id,
        CAST(row_number() OVER (
            PARTITION BY invoice_id ORDER BY supply_point_id, component_rank, band, tier
        ) AS INTEGER),
        supply_point_id, component, band, tier, quantity, unit_price, amount, vat_rate
    FROM rating_lines
    """,
    """
    INSERT INTO billing.invoices
    SELECT
        invoice_id, company_id, billing_account_id, customer_id,
        $month_start::DATE, $month_end::DATE, taxable, vat_total, total,
        'draft', current_timestamp
    FROM rating_invoices
    """,
)

WORK_TABLES = (
    "rating_bands",
    "rating_points",
    "rating_tariffs",
    "rating_taxes",
    "rating_classified",
    "rating_lines",
    "rating_invoices",
)

# invoice line order within a supply point, as in rules.electricity_lines
LINE_ORDER = [
    "energy",
    "dispatching",
    "marketing_fee",
    "network_fixed",
    "system_fixed",
    "network_power",
    "system_power",
    "network_energy",
    "system_energy",
    "excise",
]


@dataclass(frozen=True)
class RunSummary:
    """What one rating run did."""

    month: date
    invoices: int
    lines: int
    skipped: dict[str, int] = field(default_factory=dict)  # supply points left out, by reason

    def __str__(self) -> str:
        text = f"{self.month:%Y-%m}: {self.invoices} invoices, {self.lines} lines"
        if self.skipped:
            reasons = ", ".join(
                f"{reason} {count}" for reason, count in sorted(self.skipped.items())
            )
            text += f"; supply points skipped: {reasons}"
        return text


def rate_month(
    connection: duckdb.DuckDBPyConnection,
    month: date,
    company_ids: Sequence[str] | None = None,
) -> RunSummary:
    """Price one month (for a lot of companies, or all) into draft invoices, replacing drafts."""
    period = Period.of_month(month)
    parameters = {
        "month_start": period.start,
        "month_end": period.end,
        "months": period.months,
        "year_share": period.year_share,
        "company_ids": None if company_ids is None else list(company_ids),
        "tariff_components": list(ELECTRICITY_TARIFFS),
        "line_order": LINE_ORDER,
    }
    create_billing_tables(connection)
    connection.execute(ROUND_TO_CENT)
    try:
        for statement in (BANDS, POINTS, TARIFFS, TAXES, CLASSIFIED, LINES, INVOICES):
            _execute(connection, statement, parameters)
        _replace_drafts(connection, parameters)
        summary = RunSummary(
            month=period.start,
            invoices=connection.execute("SELECT count(*) FROM rating_invoices").fetchone()[0],
            lines=connection.execute("SELECT count(*) FROM rating_lines").fetchone()[0],
            skipped=dict(
                connection.execute(
                    "SELECT skip_reason, count(*) FROM rating_classified"
                    " WHERE skip_reason IS NOT NULL GROUP BY skip_reason"
                ).fetchall()
            ),
        )
    finally:
        for table in WORK_TABLES:
            connection.execute(f"DROP TABLE IF EXISTS temp.{table}")
    return summary


def create_billing_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """The billing schema of docs/contracts.md §3, if it is not there yet."""
    connection.execute(BILLING_TABLES)


def rate_all_months(
    connection: duckdb.DuckDBPyConnection, company_ids: Sequence[str] | None = None
) -> list[RunSummary]:
    """Price every month that has consumption in the reports."""
    months = connection.execute(
        f"SELECT DISTINCT month FROM reports.rpt_monthly_consumption"
        f" WHERE {IN_LOT.format(column='company_id')} ORDER BY month",
        {"company_ids": None if company_ids is None else list(company_ids)},
    ).fetchall()
    return [rate_month(connection, month, company_ids) for (month,) in months]


def _replace_drafts(connection: duckdb.DuckDBPyConnection, parameters: dict) -> None:
    """Delete the scope's drafts and insert the new ones, all or nothing."""
    connection.execute("BEGIN TRANSACTION")
    try:
        for statement in REPLACE_DRAFTS:
            _execute(connection, statement, parameters)
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _execute(connection: duckdb.DuckDBPyConnection, statement: str, parameters: dict) -> None:
    """Run a statement with only the parameters it names (DuckDB rejects unused ones)."""
    used = {name: value for name, value in parameters.items() if f"${name}" in statement}
    connection.execute(statement, used)
