"""The set-based rating engine: a month of billing determinants into draft invoices, in SQL."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import duckdb

from rating.rules import (
    BAND_ORDER,
    COMPONENT_GROUPS,
    CONSUMPTION_COMPONENTS,
    ELECTRICITY_BANDS,
    ELECTRICITY_TARIFFS,
    GAS_TARIFFS,
    PROVENANCES,
    Period,
)
from rating.schema import create_billing_tables, create_hold_table

# The rules of rating.rules, stated over whole tables: every supply point of the month and lot
# in one pass. A point's month is an "item" priced like a billing case: the billing month for
# its regular determinants (whatever days their readings span, the month's bill charges the
# month's days, from the supply's first to its last), one item per contract version's offer
# where a contract change splits the month (rules.contract_versions_lines), and one item per
# restated span for its true-up determinants, of which only
# the consumption lines are billed (rules.true_up_lines). Besides dbt's true-ups (register
# meters), an interval month billed on an estimate and issued is restated by the first month
# rated after its curve completes (LATE_CURVES). Quantities stay exact
# DECIMAL(38, 12) until an amount is rounded, once, by round_to_cent.

RATED_KINDS = ("regular", "acconto", "conguaglio")
# how far back a billing month looks for interval months billed on estimates whose curve has
# since completed (LATE_CURVES)
TRUE_UP_MONTHS = 12
# the FatturaPA document types rating writes: an invoice, or a credit note for a true-up that
# refunds more than the month charges (a credit note of kind credit_note cancels an invoice)
INVOICE_DOCUMENT, CREDIT_NOTE_DOCUMENT = "TD01", "TD04"

# why a supply point is not rated, most decisive first; a quality hold reports its check name
SKIP_REASONS = (
    "period_already_invoiced",
    "supply_point_not_in_registry",
    "billing_account_missing",
    "several_billing_accounts",
    "commodity_mismatch",
    "supply_point_data_missing",
    "offer_missing",
    "offer_commodity_mismatch",
    "offer_kind_unknown",
    "offer_index_mismatch",
    "determinant_period_invalid",
    "offer_not_valid_for_whole_period",
    "determinant_band_invalid",
    "determinant_quantity_negative",
    "offer_price_missing",
    "tariff_missing",
    "losses_tariff_missing",
    "tariff_not_valid_for_whole_period",
    "tax_not_valid_for_whole_period",
    "vat_rate_missing",
    "excise_missing",
    "pcs_missing",
    "market_price_missing",
)

MACROS = (
    # the one rounding of money in SQL: DuckDB rounds a DECIMAL half away from zero, which is
    # Python's ROUND_HALF_UP (rules.round_to_cent)
    "CREATE OR REPLACE TEMP MACRO round_to_cent(amount) AS round(amount, 2)",
    # DuckDB divides DECIMALs in floating point, so an exact quotient (rules.divide_half_up,
    # to 6 decimals) takes two steps: the floating-point quotient as a guess, within a
    # millionth of the truth, then the guess moved by a millionth if exact decimal products
    # show the true quotient outside [guess - half a millionth, guess + half a millionth).
    # Exact for operands of up to 12 decimals below 10^19 and a quotient below 10^9, where a
    # double is still within a millionth (beyond, the statement fails rather than guess).
    """
    CREATE OR REPLACE TEMP MACRO rating_corrected(guess, numerator, denominator) AS CASE
        WHEN CAST(numerator AS DECIMAL(38, 19)) < CAST(
            (guess - CAST(0.0000005 AS DECIMAL(8, 7))) * CAST(denominator AS DECIMAL(38, 12))
            AS DECIMAL(38, 19))
            THEN guess - CAST(0.000001 AS DECIMAL(7, 6))
        WHEN CAST(numerator AS DECIMAL(38, 19)) >= CAST(
            (guess + CAST(0.0000005 AS DECIMAL(8, 7))) * CAST(denominator AS DECIMAL(38, 12))
            AS DECIMAL(38, 19))
            THEN guess + CAST(0.000001 AS DECIMAL(7, 6))
        ELSE guess
    END
    """,
    """
    CREATE OR REPLACE TEMP MACRO rating_guess(quotient) AS CASE
        WHEN quotient IS NULL THEN NULL
        WHEN quotient < 1e9 THEN CAST(round(quotient, 6) AS DECIMAL(18, 6))
        ELSE error('rating_quotient: quotient beyond 10^9, too large to divide exactly')
    END
    """,
    """
    CREATE OR REPLACE TEMP MACRO rating_quotient(numerator, denominator) AS CAST(
        sign(numerator) * sign(denominator) * rating_corrected(
            rating_guess(abs(CAST(numerator AS DOUBLE) / CAST(denominator AS DOUBLE))),
            abs(numerator),
            abs(denominator)
        ) AS DECIMAL(18, 6))
    """,
)

DETERMINANTS = """
CREATE OR REPLACE TEMP TABLE rating_determinants AS
WITH lot_rows AS (
    SELECT
        determinant.*,
        coalesce(list_position($provenances::VARCHAR[], determinant.provenance), 3)
            AS provenance_rank,
        coalesce(determinant.is_true_up, false) AS true_up,
        -- the offer of the contract version the row lies under; the point's current offer
        -- only where the row names none
        coalesce({offer_id}, registry.registry_offer_id) AS row_offer_id
    FROM reports.rpt_billing_determinants AS determinant
    LEFT JOIN (
        SELECT supply_point_id, offer_id AS registry_offer_id FROM reports.rpt_supply_points
    ) AS registry USING (supply_point_id)
    WHERE determinant.billing_month BETWEEN $true_up_from::DATE AND $month_start::DATE
        AND {lot}
),
-- An interval month billed on an estimate (the curve lacked quarter hours) and issued is
-- trued up once its curve is complete: dbt cannot know what was billed, so the engine restates
-- the month's span with its current, now actual, determinants (LATE_CURVES)
late_curves AS (
{late_curves}
),
month_rows AS (
    SELECT * FROM lot_rows WHERE billing_month = $month_start::DATE
    UNION ALL BY NAME
    SELECT lot_rows.* REPLACE (
        true AS true_up,
        late_curves.span_start AS period_start,
        late_curves.span_end AS period_end
    )
    FROM lot_rows
    JOIN late_curves USING (supply_point_id, billing_month)
    WHERE NOT lot_rows.true_up
),
-- a month under two contract versions is priced in two parts, one per offer: each part from
-- the first day its rows cover (a supply that starts mid-month pays its per-day and per-month
-- parts pro rata) to the day before the next part starts, the contract's last day or the
-- month's end, whichever comes first. Parts follow the rows in date order: a part starts where
-- the offer changes (an offer that comes back later in the month is a part of its own).
starts AS (
    SELECT
        supply_point_id,
        period_start,
        row_offer_id,
        min({contract_end_date}) AS contract_end_date,
        lag(row_offer_id) OVER (PARTITION BY supply_point_id ORDER BY period_start, row_offer_id)
            IS DISTINCT FROM row_offer_id AS starts_piece
    FROM month_rows
    WHERE NOT true_up
    GROUP BY supply_point_id, period_start, row_offer_id
),
numbered AS (
    SELECT
        *,
        sum(CAST(starts_piece AS INTEGER)) OVER (
            PARTITION BY supply_point_id ORDER BY period_start, row_offer_id
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS piece
    FROM starts
),
pieces AS (
    SELECT
        supply_point_id,
        piece,
        greatest($month_start::DATE, min(period_start)) AS piece_start,
        min(contract_end_date) AS contract_end_date
    FROM numbered
    GROUP BY supply_point_id, piece
),
spans AS (
    SELECT
        supply_point_id,
        piece,
        piece_start,
        least($month_end::DATE, contract_end_date, lead(piece_start) OVER (
            PARTITION BY supply_point_id ORDER BY piece) - 1) AS piece_end
    FROM pieces
)
SELECT
    month_rows.supply_point_id,
    month_rows.company_id,
    month_rows.billing_account_id,
    month_rows.commodity,
    month_rows.band,
    month_rows.quantity,
    month_rows.provenance_rank,
    month_rows.true_up AS is_true_up,
    month_rows.row_offer_id AS offer_id,
    -- a true-up restates its own span
    CASE WHEN month_rows.true_up THEN month_rows.period_start ELSE spans.piece_start END
        AS span_start,
    CASE WHEN month_rows.true_up THEN month_rows.period_end ELSE spans.piece_end END AS span_end
FROM month_rows
LEFT JOIN numbered
    ON NOT month_rows.true_up
    AND numbered.supply_point_id = month_rows.supply_point_id
    AND numbered.period_start = month_rows.period_start
    AND numbered.row_offer_id IS NOT DISTINCT FROM month_rows.row_offer_id
LEFT JOIN spans ON spans.supply_point_id = numbered.supply_point_id AND spans.piece = numbered.piece
"""

# The interval months E of the last 12 before the billing month whose true-up the month carries:
# every row of E now comes from a complete curve (provenance actual) under one offer, an issued
# document charged regular lines of E's span as estimates, and no document but this month's
# drafts (which the run replaces) carries a true-up of the span, nor does dbt in this month.
LATE_CURVES = """
    SELECT
        curve.supply_point_id,
        curve.billing_month,
        curve.span_start,
        curve.span_end
    FROM (
        SELECT
            supply_point_id,
            billing_month,
            greatest(billing_month, min(period_start)) AS span_start,
            least(last_day(billing_month), max(period_end)) AS span_end
        FROM lot_rows
        WHERE billing_month < $month_start::DATE AND NOT true_up
        GROUP BY supply_point_id, billing_month
        HAVING bool_and(interval_count IS NOT NULL)
            AND bool_and(provenance IS NOT DISTINCT FROM 'actual')
            AND count(DISTINCT row_offer_id) = 1
    ) AS curve
    WHERE EXISTS (
        SELECT 1
        FROM billing.invoice_lines AS line
        JOIN billing.invoices AS document USING (invoice_id)
        WHERE document.status = 'issued'
            AND document.period_end < $month_start::DATE
            AND line.supply_point_id = curve.supply_point_id
            AND NOT line.is_true_up
            AND line.provenance = 'estimate'
            AND line.billed_from >= curve.span_start
            AND line.billed_to <= curve.span_end
    )
    AND NOT EXISTS (
        SELECT 1
        FROM billing.invoice_lines AS line
        JOIN billing.invoices AS document USING (invoice_id)
        WHERE line.supply_point_id = curve.supply_point_id
            AND line.is_true_up
            AND line.billed_from <= curve.span_end
            AND line.billed_to >= curve.span_start
            AND NOT (document.status = 'draft'
                AND document.period_end BETWEEN $month_start::DATE AND $month_end::DATE)
    )
    AND NOT EXISTS (
        SELECT 1
        FROM lot_rows AS restated
        WHERE restated.billing_month = $month_start::DATE
            AND restated.true_up
            AND restated.supply_point_id = curve.supply_point_id
            AND restated.period_start <= curve.span_end
            AND restated.period_end >= curve.span_start
    )
"""

ITEM_BANDS = """
CREATE OR REPLACE TEMP TABLE rating_item_bands AS
SELECT
    supply_point_id,
    is_true_up,
    span_start,
    span_end,
    offer_id,
    band,
    CAST(sum(quantity) AS DECIMAL(38, 6)) AS quantity,
    min(provenance_rank) AS best_provenance_rank,
    max(provenance_rank) AS worst_provenance_rank
FROM rating_determinants
GROUP BY ALL
"""

ITEMS = """
CREATE OR REPLACE TEMP TABLE rating_items AS
WITH items AS (
    SELECT
        bands.supply_point_id,
        bands.is_true_up,
        bands.span_start,
        bands.span_end,
        bands.offer_id,
        any_value(spans.days) AS days,
        any_value(spans.months) AS months,
        any_value(spans.year_share) AS year_share,
        CAST(sum(bands.quantity) AS DECIMAL(38, 6)) AS total_quantity,
        ($provenances::VARCHAR[])[max(bands.worst_provenance_rank)] AS provenance,
        min(bands.best_provenance_rank) = 3 AS all_estimates,
        bool_or(bands.quantity < 0) AS has_negative_quantity,
        bool_and(list_contains($electricity_bands::VARCHAR[], bands.band)) AS electricity_bands,
        bool_and(bands.band = 'ALL') AS single_band
    FROM rating_item_bands AS bands
    LEFT JOIN rating_spans AS spans USING (span_start, span_end)
    GROUP BY bands.supply_point_id, bands.is_true_up, bands.span_start, bands.span_end,
        bands.offer_id
)
-- each item is priced with its own offer
SELECT
    row_number() OVER (ORDER BY items.supply_point_id, items.is_true_up, items.span_start,
        items.span_end, items.offer_id) AS item_id,
    items.*,
    offer.offer_id IS NOT NULL AS has_offer,
    offer.commodity AS offer_commodity,
    offer.kind AS offer_kind,
    offer.price_f1,
    offer.price_f2,
    offer.price_f3,
    offer.price_single,
    offer.index_name,
    offer.spread,
    offer.fee_month,
    offer.valid_from AS offer_valid_from,
    offer.valid_to AS offer_valid_to
FROM items
LEFT JOIN reports.rpt_offers AS offer ON offer.offer_id = items.offer_id
"""

POINTS = """
CREATE OR REPLACE TEMP TABLE rating_points AS
WITH determinant_points AS (
    SELECT
        supply_point_id,
        min(company_id) AS company_id,
        min(billing_account_id) AS billing_account_id,
        count(DISTINCT billing_account_id) AS accounts,
        min(commodity) AS commodity,
        count(DISTINCT commodity) AS commodities
    FROM rating_determinants
    GROUP BY supply_point_id
),
holds AS (
    SELECT
        supply_point_id,
        string_agg(DISTINCT check_name, ', ' ORDER BY check_name) AS held_by
    FROM quality.supply_point_holds
    WHERE billing_month = $month_start::DATE
    GROUP BY supply_point_id
),
invoiced AS (
    -- a month billed on a document past draft is never rated again (corrections are credit
    -- notes and new invoices, made by invoicing/)
    SELECT DISTINCT billing_account_id
    FROM billing.invoices
    WHERE list_contains($rated_kinds::VARCHAR[], kind)
        AND status <> 'draft'
        AND period_end BETWEEN $month_start::DATE AND $month_end::DATE
)
SELECT
    point.supply_point_id,
    point.company_id,
    point.billing_account_id,
    point.accounts,
    point.commodity,
    point.commodities,
    registry.supply_point_id IS NOT NULL AS registered,
    registry.commodity AS registry_commodity,
    registry.customer_id,
    registry.use,
    registry.voltage,
    CAST(registry.power_kw AS DECIMAL(18, 6)) AS power_kw,
    registry.meter_type,
    holds.held_by,
    invoiced.billing_account_id IS NOT NULL AS already_invoiced
FROM determinant_points AS point
LEFT JOIN reports.rpt_supply_points AS registry USING (supply_point_id)
LEFT JOIN holds USING (supply_point_id)
LEFT JOIN invoiced ON invoiced.billing_account_id = point.billing_account_id
"""

# regulated prices and taxes depend on commodity, use, voltage and the span priced
PROFILES = """
CREATE OR REPLACE TEMP TABLE rating_profiles AS
SELECT
    row_number() OVER (ORDER BY commodity, use, voltage, span_start, span_end) AS profile_id,
    *
FROM (
    SELECT DISTINCT
        point.commodity,
        point.use,
        coalesce(point.voltage, '*') AS voltage,
        item.span_start,
        item.span_end
    FROM rating_items AS item
    JOIN rating_points AS point USING (supply_point_id)
    WHERE item.days IS NOT NULL AND point.use IS NOT NULL
)
"""

# The rows valid in the span whose use and voltage match ('*' = any), the most specific
# winning per component; a tiered component has one row per tier, numbered from 1. An untiered
# component whose price changes within the span has one row per part of the span (rules.Tariff
# changes), numbered from 1 in date order, with the days before and through the part.
TARIFFS = """
CREATE OR REPLACE TEMP TABLE rating_tariffs AS
WITH candidates AS (
    SELECT
        profile.profile_id,
        profile.span_start,
        profile.span_end,
        tariff.component,
        tariff.basis,
        tariff.tier_from,
        tariff.tier_to,
        tariff.unit_price,
        greatest(tariff.valid_from, profile.span_start) AS part_start,
        least(coalesce(tariff.valid_to, profile.span_end), profile.span_end) AS part_end,
        tariff.valid_from <= profile.span_start
            AND coalesce(tariff.valid_to, profile.span_end) >= profile.span_end AS whole_span,
        CAST(tariff.use <> '*' AS INTEGER) + CAST(tariff.voltage <> '*' AS INTEGER)
            AS specificity
    FROM rating_profiles AS profile
    JOIN reference.ref_regulated_tariffs AS tariff
        ON tariff.commodity = profile.commodity
        AND tariff.use IN (profile.use, '*')
        AND tariff.voltage IN (profile.voltage, '*')
        AND list_contains(
            CASE profile.commodity
                WHEN 'ELE' THEN $electricity_components::VARCHAR[]
                ELSE $gas_components::VARCHAR[]
            END,
            tariff.component
        )
        AND tariff.valid_from <= profile.span_end
        AND coalesce(tariff.valid_to, profile.span_end) >= profile.span_start
    QUALIFY specificity = max(specificity) OVER (PARTITION BY profile.profile_id,
                                                              tariff.component)
)
SELECT
    *,
    CASE WHEN tier_from IS NOT NULL THEN CAST(row_number() OVER (
        PARTITION BY profile_id, component ORDER BY tier_from) AS INTEGER) END AS tier,
    CAST(CASE WHEN tier_from IS NULL THEN row_number() OVER (
        PARTITION BY profile_id, component ORDER BY part_start) ELSE 1 END AS INTEGER) AS part,
    CASE WHEN tier_from IS NULL THEN count(*) OVER (PARTITION BY profile_id, component) ELSE 1
        END AS parts,
    -- each part starts the day after the one before ends (no gap, no overlap)
    part_start = coalesce(lag(part_end) OVER (
        PARTITION BY profile_id, component ORDER BY part_start) + 1, span_start) AS contiguous,
    CAST(sum(part_end - part_start + 1) OVER (
        PARTITION BY profile_id, component ORDER BY part_start
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS INTEGER) AS days_through,
    CAST(part_end - part_start + 1 AS INTEGER) AS part_days
FROM candidates
"""

# A profile is priceable when each component is valid for the whole span: one row (per tier),
# or, for an untiered component priced per day or per unit, parts that cover the span day by day
TARIFF_PROFILES = """
CREATE OR REPLACE TEMP TABLE rating_tariff_profiles AS
WITH components AS (
    SELECT
        profile_id,
        component,
        max(unit_price) FILTER (WHERE component = 'losses') AS losses_rate,
        CASE WHEN bool_or(tier_from IS NOT NULL) OR bool_or(basis = 'percent')
            -- a tier met twice changes price within the span: not priced
            THEN bool_and(whole_span)
                AND count(*) = count(DISTINCT coalesce(CAST(tier_from AS VARCHAR), ''))
            ELSE bool_and(contiguous) AND max(part_end) = any_value(span_end)
        END AS whole_span
    FROM rating_tariffs
    GROUP BY profile_id, component
)
SELECT profile_id, max(losses_rate) AS losses_rate, bool_and(whole_span) AS whole_span
FROM components
GROUP BY profile_id
"""

TAXES = """
CREATE OR REPLACE TEMP TABLE rating_taxes AS
WITH candidates AS (
    SELECT
        profile.profile_id,
        tax.tax,
        tax.tier_from,
        tax.tier_to,
        tax.tier_unit,
        tax.max_power_kw,
        tax.rate,
        tax.valid_from <= profile.span_start
            AND coalesce(tax.valid_to, profile.span_end) >= profile.span_end AS whole_span
    FROM rating_profiles AS profile
    JOIN reference.ref_tax_rates AS tax
        ON tax.commodity = profile.commodity
        AND tax.use IN (profile.use, '*')
        AND tax.valid_from <= profile.span_end
        AND coalesce(tax.valid_to, profile.span_start) >= profile.span_start
    QUALIFY CAST(tax.use <> '*' AS INTEGER) = max(CAST(tax.use <> '*' AS INTEGER))
        OVER (PARTITION BY profile.profile_id, tax.tax)
)
SELECT
    *,
    CASE WHEN tax IN ('excise', 'regional_surcharge') AND tier_from IS NOT NULL
        THEN CAST(row_number() OVER (PARTITION BY profile_id, tax ORDER BY tier_from) AS INTEGER)
    END AS tier
FROM candidates
"""

TAX_PROFILES = """
CREATE OR REPLACE TEMP TABLE rating_tax_profiles AS
SELECT
    profile_id,
    count(*) FILTER (WHERE tax = 'vat') AS vat_rows,
    max(rate) FILTER (WHERE tax = 'vat') AS vat_rate,
    count(*) FILTER (WHERE tax = 'vat_reduced') AS vat_reduced_rows,
    max(rate) FILTER (WHERE tax = 'vat_reduced') AS vat_reduced_rate,
    max(tier_to) FILTER (WHERE tax = 'vat_reduced') AS vat_reduced_smc_year,
    count(*) FILTER (WHERE tax = 'excise') AS excise_rows,
    count(*) FILTER (WHERE tax = 'excise_exemption') AS exemption_rows,
    max(tier_to) FILTER (WHERE tax = 'excise_exemption') AS exempt_kwh_month,
    max(max_power_kw) FILTER (WHERE tax = 'excise_exemption') AS exemption_max_power_kw,
    bool_and(whole_span)
        AND count(*) = count(DISTINCT tax || ':' || coalesce(CAST(tier_from AS VARCHAR), ''))
        AS whole_span
FROM rating_taxes
GROUP BY profile_id
"""

# indexed items by the price they need: PSV (gas), PUN means (register meters, and bands of
# interval meters without consumption), PUN weighted by the point's hourly kWh (interval)
INDEXED_ITEMS = """
CREATE OR REPLACE TEMP TABLE rating_indexed_items AS
SELECT item.item_id, item.supply_point_id, item.span_start, item.span_end, item.days,
    point.commodity, point.meter_type
FROM rating_items AS item
JOIN rating_points AS point USING (supply_point_id)
WHERE item.offer_kind = 'indexed' AND item.days IS NOT NULL
"""

PSV = """
CREATE OR REPLACE TEMP TABLE rating_psv AS
WITH spans AS (
    SELECT DISTINCT span_start, span_end, days FROM rating_indexed_items WHERE commodity = 'GAS'
),
pcs AS (
    SELECT
        spans.span_start,
        spans.span_end,
        count(*) = 1 AND bool_and(pcs.valid_from <= spans.span_start
            AND coalesce(pcs.valid_to, spans.span_end) >= spans.span_end) AS pcs_valid,
        max(pcs.pcs_mwh_per_smc) AS pcs_mwh_per_smc
    FROM spans
    JOIN reference.ref_gas_pcs AS pcs
        ON pcs.valid_from <= spans.span_end
        AND coalesce(pcs.valid_to, spans.span_start) >= spans.span_start
    GROUP BY ALL
),
psv AS (
    SELECT
        spans.span_start,
        spans.span_end,
        sum(market.price_eur_mwh) AS price_sum,
        count(*) AS prices,
        count(DISTINCT market.price_date) AS days_priced
    FROM spans
    JOIN reports.rpt_market_prices AS market
        ON market.index_name = 'PSV'
        AND market.price_date BETWEEN spans.span_start AND spans.span_end
    GROUP BY ALL
)
SELECT
    spans.span_start,
    spans.span_end,
    coalesce(pcs.pcs_valid, false) AS pcs_valid,
    -- one price for every day of the span, or the mean would silently drift
    coalesce(psv.prices = spans.days AND psv.days_priced = spans.days, false) AS market_complete,
    CASE WHEN pcs.pcs_valid AND psv.prices > 0
        THEN rating_quotient(psv.price_sum * pcs.pcs_mwh_per_smc, psv.prices)
    END AS index_price
FROM spans
LEFT JOIN pcs USING (span_start, span_end)
LEFT JOIN psv USING (span_start, span_end)
"""

PUN_MEANS = """
CREATE OR REPLACE TEMP TABLE rating_pun_means AS
WITH spans AS (
    SELECT DISTINCT span_start, span_end, days FROM rating_indexed_items WHERE commodity = 'ELE'
),
hours AS (
    SELECT spans.span_start, spans.span_end, spans.days, market.band, market.price_eur_mwh,
        market.price_date
    FROM spans
    JOIN reports.rpt_market_prices AS market
        ON market.index_name = 'PUN'
        AND market.price_date BETWEEN spans.span_start AND spans.span_end
)
SELECT
    span_start,
    span_end,
    CASE WHEN grouping(band) = 1 THEN 'ALL' ELSE band END AS band,
    count(DISTINCT price_date) = any_value(days) AS span_priced,
    rating_quotient(sum(price_eur_mwh), count(*) * 1000) AS mean_price
FROM hours
GROUP BY GROUPING SETS ((span_start, span_end, band), (span_start, span_end))
"""

PUN_WEIGHTED = """
CREATE OR REPLACE TEMP TABLE rating_pun_weighted AS
WITH by_band AS (
    SELECT
        item.item_id,
        consumption.band,
        sum(consumption.kwh) AS kwh,
        sum(consumption.kwh * market.price_eur_mwh) AS weighted_sum,
        count(*) FILTER (WHERE market.price_eur_mwh IS NULL) AS unpriced_hours
    FROM rating_indexed_items AS item
    JOIN reports.rpt_hourly_consumption AS consumption
        ON consumption.supply_point_id = item.supply_point_id
        AND consumption.local_date BETWEEN item.span_start AND item.span_end
    LEFT JOIN reports.rpt_market_prices AS market
        ON market.index_name = 'PUN' AND market.hour_start_utc = consumption.hour_start_utc
    WHERE item.commodity = 'ELE' AND item.meter_type = 'interval'
    GROUP BY item.item_id, consumption.band
),
with_all AS (
    SELECT * FROM by_band
    UNION ALL
    SELECT item_id, 'ALL', sum(kwh), sum(weighted_sum), sum(unpriced_hours)
    FROM by_band
    GROUP BY item_id
)
SELECT
    item_id,
    band,
    kwh,
    CASE WHEN kwh <> 0 THEN rating_quotient(weighted_sum, kwh * 1000) END AS weighted_price,
    unpriced_hours
FROM with_all
"""

# each band's energy price: the offer's, or the index (+ spread) of the band
BAND_PRICES = """
CREATE OR REPLACE TEMP TABLE rating_band_prices AS
SELECT
    band.item_id,
    band.band,
    band.quantity,
    band.offer_kind,
    CASE
        WHEN band.offer_kind = 'fixed' THEN CASE band.band
            WHEN 'F1' THEN coalesce(band.price_f1, band.price_single)
            WHEN 'F2' THEN coalesce(band.price_f2, band.price_single)
            WHEN 'F3' THEN coalesce(band.price_f3, band.price_single)
            WHEN 'ALL' THEN band.price_single
        END
        WHEN point.commodity = 'GAS' THEN psv.index_price + band.spread
        ELSE coalesce(weighted.weighted_price, mean.mean_price) + band.spread
    END AS unit_price,
    band.offer_kind = 'indexed' AND (
        CASE WHEN point.commodity = 'GAS' THEN psv.index_price IS NULL OR NOT psv.market_complete
        ELSE mean.mean_price IS NULL OR NOT all_hours.span_priced
            OR coalesce(weighted.unpriced_hours, 0) > 0
        END
    ) AS market_missing
FROM (
    SELECT item.item_id, item.supply_point_id, item.span_start, item.span_end, bands.band,
        bands.quantity, item.offer_kind, item.price_f1, item.price_f2, item.price_f3,
        item.price_single, item.spread
    FROM rating_items AS item
    JOIN rating_item_bands AS bands
        USING (supply_point_id, is_true_up, span_start, span_end, offer_id)
) AS band
JOIN rating_points AS point USING (supply_point_id)
LEFT JOIN rating_psv AS psv
    ON point.commodity = 'GAS' AND psv.span_start = band.span_start
    AND psv.span_end = band.span_end
LEFT JOIN rating_pun_means AS mean
    ON point.commodity = 'ELE' AND mean.span_start = band.span_start
    AND mean.span_end = band.span_end AND mean.band = band.band
LEFT JOIN rating_pun_means AS all_hours
    ON point.commodity = 'ELE' AND all_hours.span_start = band.span_start
    AND all_hours.span_end = band.span_end AND all_hours.band = 'ALL'
LEFT JOIN rating_pun_weighted AS weighted
    ON weighted.item_id = band.item_id AND weighted.band = band.band
"""

# every item either priceable (reason NULL) or the first reason it cannot be priced
CLASSIFIED_ITEMS = """
CREATE OR REPLACE TEMP TABLE rating_classified_items AS
WITH band_checks AS (
    SELECT
        item_id,
        bool_or(offer_kind = 'fixed' AND unit_price IS NULL) AS fixed_price_missing,
        bool_or(market_missing) AS market_missing
    FROM rating_band_prices
    GROUP BY item_id
)
SELECT
    item.*,
    profile.profile_id,
    CASE
        WHEN point.held_by IS NOT NULL THEN point.held_by
        WHEN point.already_invoiced THEN 'period_already_invoiced'
        WHEN NOT point.registered THEN 'supply_point_not_in_registry'
        WHEN point.accounts = 0 OR point.company_id IS NULL THEN 'billing_account_missing'
        WHEN point.accounts > 1 THEN 'several_billing_accounts'
        WHEN point.commodities <> 1 OR point.commodity IS DISTINCT FROM point.registry_commodity
            THEN 'commodity_mismatch'
        WHEN point.use IS NULL
            OR point.commodity = 'ELE' AND (point.voltage IS NULL OR point.power_kw IS NULL)
            OR point.commodity = 'ELE' AND item.offer_kind = 'indexed'
                AND point.meter_type IS DISTINCT FROM 'interval'
                AND point.meter_type IS DISTINCT FROM 'register'
            THEN 'supply_point_data_missing'
        WHEN NOT item.has_offer THEN 'offer_missing'
        WHEN item.offer_commodity IS DISTINCT FROM point.commodity THEN 'offer_commodity_mismatch'
        WHEN item.offer_kind IS NULL OR item.offer_kind NOT IN ('fixed', 'indexed')
            THEN 'offer_kind_unknown'
        WHEN item.offer_kind = 'indexed' AND item.index_name IS DISTINCT FROM
            CASE point.commodity WHEN 'ELE' THEN 'PUN' ELSE 'PSV' END THEN 'offer_index_mismatch'
        WHEN item.days IS NULL THEN 'determinant_period_invalid'
        -- an offer signed later or expired earlier has no price for some days: an operator
        -- decides (a renewal, the fallback offer), the engine never prices them silently
        WHEN item.offer_valid_from > item.span_start OR item.offer_valid_to < item.span_end
            THEN 'offer_not_valid_for_whole_period'
        WHEN CASE point.commodity WHEN 'ELE' THEN NOT item.electricity_bands
            ELSE NOT item.single_band END THEN 'determinant_band_invalid'
        WHEN item.has_negative_quantity THEN 'determinant_quantity_negative'
        WHEN item.fee_month IS NULL OR band_checks.fixed_price_missing
            OR item.offer_kind = 'indexed' AND item.spread IS NULL THEN 'offer_price_missing'
        WHEN tariff.profile_id IS NULL THEN 'tariff_missing'
        WHEN point.commodity = 'ELE' AND tariff.losses_rate IS NULL THEN 'losses_tariff_missing'
        WHEN NOT tariff.whole_span THEN 'tariff_not_valid_for_whole_period'
        WHEN tax.profile_id IS NOT NULL AND NOT tax.whole_span
            THEN 'tax_not_valid_for_whole_period'
        WHEN coalesce(tax.vat_rows, 0) <> 1
            OR point.commodity = 'GAS' AND point.use <> 'non_domestic'
                AND tax.vat_reduced_rows <> 1 THEN 'vat_rate_missing'
        WHEN tax.excise_rows = 0 THEN 'excise_missing'
        WHEN item.offer_kind = 'indexed' AND point.commodity = 'GAS'
            AND NOT coalesce(psv.pcs_valid, false) THEN 'pcs_missing'
        WHEN band_checks.market_missing THEN 'market_price_missing'
    END AS skip_reason
FROM rating_items AS item
JOIN rating_points AS point USING (supply_point_id)
LEFT JOIN band_checks USING (item_id)
LEFT JOIN rating_profiles AS profile
    ON profile.commodity = point.commodity
    AND profile.use = point.use
    AND profile.voltage = coalesce(point.voltage, '*')
    AND profile.span_start = item.span_start
    AND profile.span_end = item.span_end
LEFT JOIN rating_tariff_profiles AS tariff ON tariff.profile_id = profile.profile_id
LEFT JOIN rating_tax_profiles AS tax ON tax.profile_id = profile.profile_id
LEFT JOIN rating_psv AS psv
    ON point.commodity = 'GAS' AND psv.span_start = item.span_start
    AND psv.span_end = item.span_end
"""

# a point is rated whole or not at all: the most decisive reason of any of its items
POINT_REASONS = """
CREATE OR REPLACE TEMP TABLE rating_skipped AS
SELECT
    supply_point_id,
    min_by(skip_reason, coalesce(list_position($skip_reasons::VARCHAR[], skip_reason), 0))
        AS reason
FROM rating_classified_items
WHERE skip_reason IS NOT NULL
GROUP BY supply_point_id
"""

RATED = """
CREATE OR REPLACE TEMP TABLE rating_rated AS
SELECT
    item.item_id,
    item.supply_point_id,
    item.is_true_up,
    item.span_start,
    item.span_end,
    item.days,
    item.months,
    item.year_share,
    item.total_quantity,
    item.provenance,
    item.all_estimates,
    item.profile_id,
    point.company_id,
    point.billing_account_id,
    point.billing_account_id || '-' || strftime($month_start::DATE, '%Y%m') AS invoice_id,
    point.customer_id,
    point.commodity,
    point.power_kw,
    item.fee_month,
    tariff.losses_rate,
    tax.vat_rate,
    tax.vat_reduced_rate,
    -- domestic gas: the Smc up to this bound take the reduced VAT rate
    CAST(CASE WHEN point.commodity = 'GAS' AND point.use <> 'non_domestic'
        THEN tax.vat_reduced_smc_year * item.year_share ELSE 0 END AS DECIMAL(38, 12))
        AS reduced_bound,
    -- the domestic resident exemption: the first kWh of each month within the power limit
    CAST(greatest(item.total_quantity - CASE
        WHEN tax.exemption_rows = 1
            AND point.power_kw <= coalesce(tax.exemption_max_power_kw, point.power_kw)
            THEN tax.exempt_kwh_month * item.months
        ELSE 0 END, 0) AS DECIMAL(38, 12)) AS excise_quantity
FROM rating_classified_items AS item
JOIN rating_points AS point USING (supply_point_id)
JOIN rating_tariff_profiles AS tariff USING (profile_id)
JOIN rating_tax_profiles AS tax USING (profile_id)
WHERE item.supply_point_id NOT IN (SELECT supply_point_id FROM rating_skipped)
"""

# CASES.md's lines as slices [slice_start, slice_end] of a quantity: a tier of an annual or
# monthly scale, or the whole quantity. Per-Smc gas slices split at the reduced-VAT bound.
# Every quantity is cast to DECIMAL(38, 12) before a CASE, least() or UNION meets another
# type: DuckDB would otherwise settle on a common type of fewer decimals and round them off.
CHARGES = """
CREATE OR REPLACE TEMP TABLE rating_charges AS
SELECT
    rated.item_id,
    'energy' AS component,
    CASE WHEN rated.commodity = 'ELE' THEN band.band END AS band,
    CAST(NULL AS INTEGER) AS tier,
    CAST(0 AS DECIMAL(38, 12)) AS slice_start,
    CASE WHEN rated.commodity = 'ELE'
        THEN CAST(band.quantity * (1 + rated.losses_rate) AS DECIMAL(38, 12))
        ELSE CAST(band.quantity AS DECIMAL(38, 12))
    END AS slice_end,
    CAST(band.unit_price AS DECIMAL(18, 6)) AS unit_price,
    rated.commodity = 'GAS' AS per_smc,
    1 AS part
FROM rating_rated AS rated
JOIN rating_band_prices AS band USING (item_id)
UNION ALL
SELECT item_id, 'marketing_fee', NULL, NULL, 0, CAST(months AS DECIMAL(38, 12)),
    CAST(fee_month AS DECIMAL(18, 6)), false, 1
FROM rating_rated
WHERE NOT is_true_up
UNION ALL
-- a price that changes within the span prices each part of it: a price per year on the part's
-- year share, a price per unit on the quantity cut pro rata to the days (rules.Tariff)
SELECT
    rated.item_id,
    tariff.component,
    NULL,
    tariff.tier,
    CASE
        WHEN tariff.parts = 1 OR tariff.basis IN ('per_point_year', 'per_kw_year')
            THEN coalesce(CAST(tariff.tier_from * rated.year_share AS DECIMAL(38, 12)), 0)
        WHEN tariff.part = 1 THEN CAST(0 AS DECIMAL(38, 12))
        ELSE CAST(rating_quotient(scale.whole * (tariff.days_through - tariff.part_days),
            rated.days) AS DECIMAL(38, 12))
    END,
    CASE
        WHEN tariff.basis = 'per_point_year' THEN CAST(scale.part_share AS DECIMAL(38, 12))
        WHEN tariff.basis = 'per_kw_year'
            THEN CAST(rated.power_kw * scale.part_share AS DECIMAL(38, 12))
        WHEN tariff.parts > 1 AND tariff.part < tariff.parts
            THEN CAST(rating_quotient(scale.whole * tariff.days_through, rated.days)
                AS DECIMAL(38, 12))
        WHEN tariff.tier_to IS NULL THEN scale.whole
        ELSE least(scale.whole, CAST(tariff.tier_to * rated.year_share AS DECIMAL(38, 12)))
    END,
    CAST(tariff.unit_price AS DECIMAL(18, 6)),
    tariff.basis = 'per_smc',
    tariff.part
FROM rating_rated AS rated
JOIN rating_tariffs AS tariff USING (profile_id)
CROSS JOIN LATERAL (
    SELECT
        CASE WHEN tariff.parts = 1 THEN rated.year_share
            ELSE rating_quotient(tariff.part_days, 365) END AS part_share,
        CASE WHEN tariff.component = 'dispatching'
            THEN CAST(rated.total_quantity * (1 + rated.losses_rate) AS DECIMAL(38, 12))
            ELSE CAST(rated.total_quantity AS DECIMAL(38, 12))
        END AS whole
) AS scale
WHERE tariff.basis <> 'percent'
    AND (tariff.tier IS NULL OR rated.total_quantity > tariff.tier_from * rated.year_share)
    AND (NOT rated.is_true_up OR list_contains($consumption_components::VARCHAR[],
                                               tariff.component))
UNION ALL
SELECT
    rated.item_id,
    tax.tax,
    NULL,
    tax.tier,
    coalesce(CAST(tax.tier_from * scale.factor AS DECIMAL(38, 12)), 0),
    CASE WHEN tax.tier_to IS NULL THEN scale.base
        ELSE least(scale.base, CAST(tax.tier_to * scale.factor AS DECIMAL(38, 12))) END,
    CAST(tax.rate AS DECIMAL(18, 6)),
    rated.commodity = 'GAS',
    1
FROM rating_rated AS rated
JOIN rating_taxes AS tax USING (profile_id)
CROSS JOIN LATERAL (
    SELECT
        CASE tax.tier_unit WHEN 'kwh_month' THEN CAST(rated.months AS DECIMAL(18, 6))
            ELSE rated.year_share END AS factor,
        CASE tax.tax WHEN 'excise' THEN rated.excise_quantity
            ELSE CAST(rated.total_quantity AS DECIMAL(38, 12)) END AS base
) AS scale
WHERE tax.tax IN ('excise', 'regional_surcharge')
    AND (tax.tier IS NULL OR scale.base > tax.tier_from * scale.factor)
"""

# each slice split at its VAT bound: the reduced rate below it, the standard rate above (the
# bound is 0 for every slice but domestic gas per-Smc ones)
LINES = """
CREATE OR REPLACE TEMP TABLE rating_lines AS
WITH priced AS (
    SELECT
        rated.invoice_id,
        rated.supply_point_id,
        rated.provenance,
        rated.is_true_up,
        rated.span_start,
        rated.span_end,
        rated.vat_rate,
        rated.vat_reduced_rate,
        charge.component,
        charge.band,
        charge.tier,
        charge.unit_price,
        charge.slice_start,
        charge.slice_end,
        charge.part,
        CASE WHEN charge.per_smc THEN rated.reduced_bound ELSE 0 END AS vat_bound
    FROM rating_charges AS charge
    JOIN rating_rated AS rated USING (item_id)
),
split AS (
    SELECT
        priced.*,
        CASE WHEN segment.reduced
            THEN least(priced.slice_end, priced.vat_bound) - priced.slice_start
            ELSE priced.slice_end - greatest(priced.slice_start, priced.vat_bound)
        END AS quantity,
        CASE WHEN segment.reduced THEN priced.vat_reduced_rate ELSE priced.vat_rate END
            AS line_vat_rate
    FROM priced
    CROSS JOIN (VALUES (true), (false)) AS segment(reduced)
    WHERE CASE WHEN segment.reduced THEN priced.slice_start < priced.vat_bound
        ELSE priced.slice_end > priced.vat_bound END
)
SELECT
    invoice_id,
    supply_point_id,
    component,
    band,
    tier,
    CAST(quantity AS DECIMAL(38, 12)) AS quantity,
    unit_price,
    CAST(round_to_cent(quantity * unit_price) AS DECIMAL(14, 2)) AS amount,
    CAST(line_vat_rate AS DECIMAL(5, 4)) AS vat_rate,
    provenance,
    is_true_up,
    span_start AS billed_from,
    span_end AS billed_to,
    part,
    false AS is_reversal,
    CAST(NULL AS VARCHAR) AS reversed_invoice_id,
    CAST(NULL AS INTEGER) AS reversed_line_no
FROM split
-- a band or tier not reached has nothing to bill
WHERE quantity <> 0
UNION ALL
-- a true-up takes back, at their own prices, the consumption lines earlier documents billed
-- in its span
SELECT
    rated.invoice_id,
    earlier.supply_point_id,
    earlier.component,
    earlier.band,
    earlier.tier,
    CAST(-earlier.quantity AS DECIMAL(38, 12)),
    earlier.unit_price,
    CAST(-earlier.amount AS DECIMAL(14, 2)),
    earlier.vat_rate,
    earlier.provenance,
    true,
    earlier.billed_from,
    earlier.billed_to,
    1,
    true,
    earlier.invoice_id,
    earlier.line_no
FROM rating_rated AS rated
JOIN billing.invoice_lines AS earlier
    ON earlier.supply_point_id = rated.supply_point_id
    AND earlier.billed_from >= rated.span_start
    AND earlier.billed_to <= rated.span_end
    AND list_contains($consumption_components::VARCHAR[], earlier.component)
JOIN billing.invoices AS document
    ON document.invoice_id = earlier.invoice_id
    AND document.period_end < $month_start::DATE
    -- only what was issued was charged: a draft, checked or approved document can still be
    -- replaced, and taking its lines back would refund what the customer never paid
    AND document.status = 'issued'
WHERE rated.is_true_up
"""

INVOICE_VAT = """
CREATE OR REPLACE TEMP TABLE rating_invoice_vat AS
SELECT
    invoice_id,
    vat_rate,
    CAST(sum(amount) AS DECIMAL(14, 2)) AS taxable,
    CAST(round_to_cent(vat_rate * sum(amount)) AS DECIMAL(14, 2)) AS vat
FROM rating_lines
GROUP BY invoice_id, vat_rate
"""

INVOICES = """
CREATE OR REPLACE TEMP TABLE rating_invoices AS
WITH items AS (
    SELECT
        invoice_id,
        any_value(company_id) AS company_id,
        any_value(billing_account_id) AS billing_account_id,
        min(customer_id) AS customer_id,
        bool_or(is_true_up) AS has_true_up,
        bool_and(all_estimates) FILTER (WHERE NOT is_true_up) AS all_estimates
    FROM rating_rated
    GROUP BY invoice_id
),
totals AS (
    SELECT invoice_id, sum(taxable) AS taxable, sum(vat) AS vat_total
    FROM rating_invoice_vat
    GROUP BY invoice_id
)
SELECT
    items.invoice_id,
    items.company_id,
    items.billing_account_id,
    items.customer_id,
    CASE
        WHEN items.has_true_up THEN 'conguaglio'
        WHEN items.all_estimates THEN 'acconto'
        ELSE 'regular'
    END AS kind,
    -- a true-up that gives back more than the month charges is a credit to the customer: a
    -- credit note (FatturaPA TD04), never an invoice with a negative total
    CASE WHEN items.has_true_up AND totals.taxable + totals.vat_total < 0
        THEN $credit_note_document ELSE $invoice_document END AS document_type,
    CAST(totals.taxable AS DECIMAL(14, 2)) AS taxable,
    CAST(totals.vat_total AS DECIMAL(14, 2)) AS vat_total,
    CAST(totals.taxable + totals.vat_total AS DECIMAL(14, 2)) AS total
FROM items
JOIN totals USING (invoice_id)
"""

DRAFTS_IN_SCOPE = """
    SELECT invoice_id
    FROM billing.invoices
    WHERE status = 'draft'
        AND list_contains($rated_kinds::VARCHAR[], kind)
        AND period_end BETWEEN $month_start::DATE AND $month_end::DATE
        AND {lot}
"""

REPLACE_DRAFTS = (
    "DELETE FROM billing.invoice_vat WHERE invoice_id IN ({drafts})",
    "DELETE FROM billing.invoice_lines WHERE invoice_id IN ({drafts})",
    "DELETE FROM billing.invoices WHERE invoice_id IN ({drafts})",
    """
    INSERT INTO billing.invoice_lines (invoice_id, line_no, supply_point_id, component, band,
        tier, quantity, unit_price, amount, vat_rate, "group", provenance, is_true_up,
        billed_from, billed_to)
    SELECT
        line.invoice_id,
        CAST(row_number() OVER (
            PARTITION BY line.invoice_id
            ORDER BY line.supply_point_id, line.is_true_up, line.is_reversal, line.billed_from,
                component.position, list_position($bands::VARCHAR[], line.band) NULLS FIRST,
                line.tier NULLS FIRST, line.vat_rate, line.part, line.reversed_invoice_id,
                line.reversed_line_no
        ) AS INTEGER),
        line.supply_point_id,
        line.component,
        line.band,
        line.tier,
        CAST(line.quantity AS DECIMAL(24, 12)),
        line.unit_price,
        line.amount,
        line.vat_rate,
        coalesce(component.line_group, 'other'),
        line.provenance,
        line.is_true_up,
        line.billed_from,
        line.billed_to
    FROM rating_lines AS line
    LEFT JOIN (
        SELECT
            unnest($components::VARCHAR[]) AS component,
            unnest($component_groups::VARCHAR[]) AS line_group,
            generate_subscripts($components::VARCHAR[], 1) AS position
    ) AS component USING (component)
    """,
    """
    INSERT INTO billing.invoice_vat (invoice_id, vat_rate, taxable, vat)
    SELECT invoice_id, vat_rate, taxable, vat FROM rating_invoice_vat
    """,
    """
    INSERT INTO billing.invoices (invoice_id, company_id, billing_account_id, customer_id,
        document_type, kind, period_start, period_end, taxable, vat_total, total, status,
        created_at)
    SELECT invoice_id, company_id, billing_account_id, customer_id, document_type, kind,
        $month_start::DATE, $month_end::DATE, taxable, vat_total, total, 'draft',
        current_timestamp
    FROM rating_invoices
    """,
    """
    DELETE FROM billing.skipped_supply_points
    WHERE billing_month = $month_start::DATE
        AND (supply_point_id IN (SELECT supply_point_id FROM rating_points)
            OR supply_point_id IN (
                SELECT supply_point_id FROM reports.rpt_supply_points AS registry
                WHERE {registry_lot}))
    """,
    """
    INSERT INTO billing.skipped_supply_points (billing_month, supply_point_id, reason, run_id)
    SELECT $month_start::DATE, supply_point_id, reason, $run_id FROM rating_skipped
    """,
)

WORK_TABLES = (
    "rating_determinants",
    "rating_item_bands",
    "rating_spans",
    "rating_items",
    "rating_points",
    "rating_profiles",
    "rating_tariffs",
    "rating_tariff_profiles",
    "rating_taxes",
    "rating_tax_profiles",
    "rating_indexed_items",
    "rating_psv",
    "rating_pun_means",
    "rating_pun_weighted",
    "rating_band_prices",
    "rating_classified_items",
    "rating_skipped",
    "rating_rated",
    "rating_charges",
    "rating_lines",
    "rating_invoice_vat",
    "rating_invoices",
)

_TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?")


@dataclass(frozen=True)
class RunSummary:
    """What one rating run did."""

    month: date
    run_id: str
    invoices: int
    lines: int
    kinds: dict[str, int] = field(default_factory=dict)  # invoices by kind
    skipped: dict[str, int] = field(default_factory=dict)  # supply points left out, by reason

    def __str__(self) -> str:
        text = f"{self.month:%Y-%m}: {self.invoices} invoices, {self.lines} lines"
        if self.kinds:
            text += " (" + ", ".join(f"{k} {n}" for k, n in sorted(self.kinds.items())) + ")"
        if self.skipped:
            reasons = ", ".join(
                f"{reason} {count}" for reason, count in sorted(self.skipped.items())
            )
            text += f"; supply points skipped: {reasons}"
        return text


def rate_month(
    connection: duckdb.DuckDBPyConnection,
    month: date,
    *,
    accounts_table: str | None = None,
    company_ids: Sequence[str] | None = None,
    run_id: str | None = None,
) -> RunSummary:
    """Price one billing month of a lot into draft invoices, replacing the lot's drafts.

    The lot is every billing account, or those listed in `accounts_table` (a table or view
    with a `billing_account_id` column) and/or belonging to `company_ids`. Documents past
    draft are never touched, and their accounts' month is not rated again.
    """
    if accounts_table is not None and not _TABLE_NAME.fullmatch(accounts_table):
        raise ValueError(f"accounts_table: not a table name: {accounts_table!r}")
    period = Period.of_month(month)
    parameters = {
        "month_start": period.start,
        "month_end": period.end,
        "true_up_from": _months_before(period.start, TRUE_UP_MONTHS),
        "company_ids": None if company_ids is None else list(company_ids),
        "run_id": run_id or str(uuid.uuid4()),
        "provenances": list(PROVENANCES),
        "electricity_bands": [*ELECTRICITY_BANDS, "ALL"],
        "electricity_components": list(ELECTRICITY_TARIFFS),
        "gas_components": list(GAS_TARIFFS),
        "skip_reasons": list(SKIP_REASONS),
        "rated_kinds": list(RATED_KINDS),
        "invoice_document": INVOICE_DOCUMENT,
        "credit_note_document": CREDIT_NOTE_DOCUMENT,
        "bands": list(BAND_ORDER),
        "components": list(COMPONENT_GROUPS),
        "consumption_components": list(CONSUMPTION_COMPONENTS),
        "component_groups": list(COMPONENT_GROUPS.values()),
    }
    create_billing_tables(connection)
    create_hold_table(connection)
    install_macros(connection)
    lot = _lot(accounts_table, "company_id", "billing_account_id")
    try:
        _execute(
            connection,
            DETERMINANTS.format(lot=lot, late_curves=LATE_CURVES, **_contract_columns(connection)),
            parameters,
        )
        _execute(connection, ITEM_BANDS, parameters)
        _create_spans(connection)
        for statement in (
            ITEMS,
            POINTS,
            PROFILES,
            TARIFFS,
            TARIFF_PROFILES,
            TAXES,
            TAX_PROFILES,
            INDEXED_ITEMS,
            PSV,
            PUN_MEANS,
            PUN_WEIGHTED,
            BAND_PRICES,
            CLASSIFIED_ITEMS,
            POINT_REASONS,
            RATED,
            CHARGES,
            LINES,
            INVOICE_VAT,
            INVOICES,
        ):
            _execute(connection, statement, parameters)
        _replace_drafts(connection, parameters, accounts_table)
        summary = RunSummary(
            month=period.start,
            run_id=parameters["run_id"],
            invoices=_count(connection, "rating_invoices"),
            lines=_count(connection, "rating_lines"),
            kinds=dict(
                connection.execute(
                    "SELECT kind, count(*) FROM rating_invoices GROUP BY kind"
                ).fetchall()
            ),
            skipped=dict(
                connection.execute(
                    "SELECT reason, count(*) FROM rating_skipped GROUP BY reason"
                ).fetchall()
            ),
        )
    finally:
        for table in WORK_TABLES:
            connection.execute(f"DROP TABLE IF EXISTS temp.{table}")
    return summary


def rate_all_months(
    connection: duckdb.DuckDBPyConnection,
    *,
    accounts_table: str | None = None,
    company_ids: Sequence[str] | None = None,
) -> list[RunSummary]:
    """Price every billing month that has determinants, oldest first (true-ups need the
    months they restate already billed)."""
    if accounts_table is not None and not _TABLE_NAME.fullmatch(accounts_table):
        raise ValueError(f"accounts_table: not a table name: {accounts_table!r}")
    months = connection.execute(
        "SELECT DISTINCT billing_month FROM reports.rpt_billing_determinants"
        f" WHERE {_lot(accounts_table, 'company_id', 'billing_account_id')} ORDER BY 1",
        {"company_ids": None if company_ids is None else list(company_ids)},
    ).fetchall()
    return [
        rate_month(connection, month, accounts_table=accounts_table, company_ids=company_ids)
        for (month,) in months
    ]


def install_macros(connection: duckdb.DuckDBPyConnection) -> None:
    """The engine's SQL macros (rounding, exact division) on this connection."""
    for macro in MACROS:
        connection.execute(macro)


def _lot(accounts_table: str | None, company_column: str, account_column: str) -> str:
    """The SQL condition that a row belongs to the lot."""
    condition = (
        f"($company_ids::VARCHAR[] IS NULL"
        f" OR list_contains($company_ids::VARCHAR[], {company_column}))"
    )
    if accounts_table is not None:
        condition += f" AND {account_column} IN (SELECT billing_account_id FROM {accounts_table})"
    return condition


def _contract_columns(connection: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The determinants' contract columns, or NULL where a warehouse built before them lacks
    one (every row then takes the point's current offer and an open-ended contract)."""
    present = {
        name
        for (name,) in connection.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_catalog = current_database() AND table_schema = 'reports'"
            " AND table_name = 'rpt_billing_determinants'"
        ).fetchall()
    }
    return {
        "offer_id": "determinant.offer_id" if "offer_id" in present else "CAST(NULL AS VARCHAR)",
        "contract_end_date": (
            "contract_end_date" if "contract_end_date" in present else "CAST(NULL AS DATE)"
        ),
    }


def _create_spans(connection: duckdb.DuckDBPyConnection) -> None:
    """Days, month share and year share of each distinct span, by rules.Period (one
    definition)."""
    spans = connection.execute(
        "SELECT DISTINCT span_start, span_end FROM rating_item_bands"
    ).fetchall()
    rows = []
    for start, end in spans:
        if start is None or end is None or end < start:
            continue
        period = Period(start, end)
        rows.append((start, end, period.days, period.month_share, period.year_share))
    # `months` is the share of months supplied: a month supplied in part counts its days
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE rating_spans (span_start DATE, span_end DATE,"
        " days INTEGER, months DECIMAL(18, 6), year_share DECIMAL(18, 6))"
    )
    if rows:
        connection.executemany("INSERT INTO rating_spans VALUES (?, ?, ?, ?, ?)", rows)


def _replace_drafts(
    connection: duckdb.DuckDBPyConnection, parameters: dict, accounts_table: str | None
) -> None:
    """Delete the lot's drafts of the month and insert the new ones, all or nothing."""
    drafts = DRAFTS_IN_SCOPE.format(lot=_lot(accounts_table, "company_id", "billing_account_id"))
    registry_lot = _lot(accounts_table, "registry.company_id", "registry.billing_account_id")
    connection.execute("BEGIN TRANSACTION")
    try:
        for statement in REPLACE_DRAFTS:
            _execute(
                connection,
                statement.format(drafts=drafts, registry_lot=registry_lot),
                parameters,
            )
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _months_before(month_start: date, months: int) -> date:
    """The first day of the month `months` before `month_start`."""
    index = month_start.year * 12 + month_start.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _count(connection: duckdb.DuckDBPyConnection, table: str) -> int:
    return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _execute(connection: duckdb.DuckDBPyConnection, statement: str, parameters: dict) -> None:
    """Run a statement with only the parameters it names (DuckDB rejects unused ones)."""
    used = {name: value for name, value in parameters.items() if f"${name}" in statement}
    connection.execute(statement, used)
