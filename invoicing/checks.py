"""Consistency checks on each calculation and invoice total (BI4, IN3): a failing invoice goes on
hold with its reasons for an operator; the rest of the lot carries on."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
from sqlalchemy.orm import Session, sessionmaker

from invoicing.i18n import N_
from invoicing.reasons import Reason, dump
from invoicing.workflow import CHECKED, DRAFT, ON_HOLD, statuses, transition


@dataclass(frozen=True)
class CheckLimits:
    """How far from its history a quantity or total may be before an operator looks at it."""

    consumption_ratio: Decimal = Decimal(3)  # month above ratio × highest, or below lowest ÷ ratio
    total_ratio: Decimal = Decimal(3)
    history_months: int = 12
    min_history: int = 3  # fewer earlier months or invoices than this: no range to judge by


@dataclass(frozen=True)
class CheckResult:
    checked: list[str] = field(default_factory=list)
    held: dict[str, str] = field(default_factory=dict)  # the reasons, in English

    def __str__(self) -> str:
        return f"{len(self.checked)} checked, {len(self.held)} on hold"


# Each check returns (invoice_id, template key, values as JSON) for the invoices of $ids that
# fail it; the reason kept is the template, in English, with its values (invoicing.reasons).
# `scope` is the billing documents being checked, with their billing month: the invoices (TD01),
# and the true-ups that refund more than the month charges, which rating writes as credit notes
# (TD04).
SCOPE = """
WITH scope AS (
    SELECT invoice_id, billing_account_id, period_start, period_end, total,
        -- the billing month: a true-up's period starts earlier, it ends with the month
        CAST(date_trunc('month', period_end) AS DATE) AS month
    FROM billing.invoices
    WHERE list_contains($ids::VARCHAR[], invoice_id)
        AND (document_type = 'TD01' OR kind = 'conguaglio')
),
scope_points AS (
    SELECT DISTINCT scope.invoice_id, scope.month, line.supply_point_id
    FROM scope JOIN billing.invoice_lines AS line USING (invoice_id)
),
-- issued invoices cancelled by an issued credit note no longer count as billed
cancelled AS (
    SELECT related_invoice_id AS invoice_id FROM billing.invoices
    WHERE document_type = 'TD04' AND status = 'issued'
)
"""

CONSUMPTION_OUT_OF_RANGE = f"""
{SCOPE},
monthly AS (
    SELECT supply_point_id, month, sum(quantity) AS quantity, any_value(unit) AS unit
    FROM reports.rpt_monthly_consumption
    WHERE supply_point_id IN (SELECT supply_point_id FROM scope_points)
    GROUP BY supply_point_id, month
),
judged AS (
    SELECT
        point.invoice_id,
        point.supply_point_id,
        current.quantity,
        current.unit,
        min(earlier.quantity) AS lowest,
        max(earlier.quantity) AS highest,
        count(earlier.month) AS months
    FROM scope_points AS point
    JOIN monthly AS current
        ON current.supply_point_id = point.supply_point_id AND current.month = point.month
    JOIN monthly AS earlier
        ON earlier.supply_point_id = point.supply_point_id
        AND earlier.month < point.month
        AND earlier.month >= point.month - to_months($history_months)
    GROUP BY ALL
)
SELECT invoice_id, 'consumption_out_of_range', json_object(
    'point', supply_point_id, 'quantity', CAST(quantity AS VARCHAR), 'unit', unit,
    'months', CAST(months AS VARCHAR), 'lowest', CAST(lowest AS VARCHAR),
    'highest', CAST(highest AS VARCHAR))
FROM judged
WHERE months >= $min_history
    AND (quantity > highest * $consumption_ratio OR quantity * $consumption_ratio < lowest)
"""

TOTAL_OUT_OF_RANGE = f"""
{SCOPE},
judged AS (
    SELECT scope.invoice_id, scope.total, min(earlier.total) AS lowest,
        max(earlier.total) AS highest, count(*) AS invoices
    FROM scope
    JOIN billing.invoices AS earlier
        ON earlier.billing_account_id = scope.billing_account_id
        AND earlier.document_type = 'TD01'
        AND earlier.status = 'issued'
        AND earlier.period_end < scope.month
        AND earlier.period_end >= scope.month - to_months($history_months)
        AND earlier.invoice_id NOT IN (SELECT invoice_id FROM cancelled)
    GROUP BY ALL
)
SELECT invoice_id, 'total_out_of_range', json_object(
    'total', CAST(total AS VARCHAR), 'invoices', CAST(invoices AS VARCHAR),
    'lowest_total', CAST(lowest AS VARCHAR), 'highest_total', CAST(highest AS VARCHAR))
FROM judged
-- below zero is the negative-total check's business: a true-up refund is allowed to be
WHERE invoices >= $min_history
    AND (total > highest * $total_ratio
         OR (lowest > 0 AND total >= 0 AND total * $total_ratio < lowest))
"""

NEGATIVE_TOTAL = f"""
{SCOPE}
SELECT invoice_id, 'negative_total', json_object('total', CAST(total AS VARCHAR))
FROM scope
WHERE total < 0
    AND NOT EXISTS (
        SELECT 1 FROM billing.invoice_lines AS line
        WHERE line.invoice_id = scope.invoice_id AND line.is_true_up
    )
"""

INCOMPLETE_INTERVALS = f"""
{SCOPE}
SELECT point.invoice_id, 'incomplete_intervals', json_object(
    'point', point.supply_point_id,
    'count', CAST(sum(consumption.interval_count) AS VARCHAR),
    'expected', CAST(sum(consumption.expected_interval_count) AS VARCHAR))
FROM scope_points AS point
JOIN reports.rpt_monthly_consumption AS consumption
    ON consumption.supply_point_id = point.supply_point_id AND consumption.month = point.month
WHERE consumption.expected_interval_count IS NOT NULL
GROUP BY point.invoice_id, point.supply_point_id
HAVING sum(consumption.interval_count) < sum(consumption.expected_interval_count)
"""

# a supply point of the account with consumption before and after the month, but none in it
MONTH_MISSING = f"""
{SCOPE},
account_points AS (
    SELECT scope.invoice_id, scope.month, point.supply_point_id
    FROM scope
    JOIN reports.rpt_supply_points AS point USING (billing_account_id)
),
months AS (
    SELECT DISTINCT supply_point_id, month FROM reports.rpt_monthly_consumption
    WHERE supply_point_id IN (SELECT supply_point_id FROM account_points)
)
SELECT invoice_id, 'month_missing', json_object(
    'point', supply_point_id, 'month', strftime(month, '%Y-%m'))
FROM account_points
WHERE EXISTS (SELECT 1 FROM months m
              WHERE m.supply_point_id = account_points.supply_point_id
                AND m.month < account_points.month)
    AND EXISTS (SELECT 1 FROM months m
                WHERE m.supply_point_id = account_points.supply_point_id
                  AND m.month > account_points.month)
    AND NOT EXISTS (SELECT 1 FROM months m
                    WHERE m.supply_point_id = account_points.supply_point_id
                      AND m.month = account_points.month)
"""

# rating left a point of the account out (no contract, tariff or tax for the whole month,
# a quality hold...): the invoice would be incomplete. A point skipped because its month is
# already on a document is not missing from the bill.
SKIPPED_POINTS = f"""
{SCOPE}
SELECT DISTINCT scope.invoice_id, 'skipped_points', json_object(
    'point', skipped.supply_point_id, 'reason', skipped.reason)
FROM scope
JOIN reports.rpt_supply_points AS point USING (billing_account_id)
JOIN billing.skipped_supply_points AS skipped
    ON skipped.supply_point_id = point.supply_point_id AND skipped.billing_month = scope.month
WHERE skipped.reason <> 'period_already_invoiced'
"""

PERIOD_NOT_CONTIGUOUS = f"""
{SCOPE},
last_billed AS (
    SELECT scope.invoice_id, scope.month, max(earlier.period_end) AS last_end
    FROM scope
    JOIN billing.invoices AS earlier
        ON earlier.billing_account_id = scope.billing_account_id
        AND earlier.document_type = 'TD01'
        AND earlier.period_end < scope.month
        AND earlier.invoice_id NOT IN (SELECT invoice_id FROM cancelled)
    GROUP BY ALL
)
SELECT invoice_id, 'period_not_contiguous', json_object(
    'month', strftime(month, '%Y-%m'), 'last_end', CAST(last_end AS VARCHAR))
FROM last_billed
WHERE last_end + 1 < month
"""

# a credit note cancels an issued invoice exactly
CREDIT_NOTE_MISMATCH = """
SELECT note.invoice_id,
    CASE
        WHEN note.related_invoice_id IS NULL THEN 'credit_note_for_no_invoice'
        WHEN original.invoice_id IS NULL OR original.status <> 'issued'
            THEN 'credit_note_not_for_issued'
        ELSE 'credit_note_mismatch'
    END,
    json_object(
        'invoice', note.related_invoice_id, 'total', CAST(note.total AS VARCHAR),
        'original_total', CAST(original.total AS VARCHAR))
FROM billing.invoices AS note
LEFT JOIN billing.invoices AS original ON original.invoice_id = note.related_invoice_id
WHERE list_contains($ids::VARCHAR[], note.invoice_id) AND note.document_type = 'TD04'
    -- a true-up credit cancels no invoice: it refunds estimates
    AND note.kind IS DISTINCT FROM 'conguaglio'
    AND (original.invoice_id IS NULL OR original.status <> 'issued'
         OR note.taxable <> -original.taxable OR note.vat_total <> -original.vat_total
         OR note.total <> -original.total)
"""

# the reasons the checks give, as the operator reads them (values named as in invoicing.reasons)
TEMPLATES = {
    "consumption_out_of_range": N_(
        "consumption out of range: supply point {point} used {quantity} {unit}, its last"
        " {months} months {lowest} to {highest}"
    ),
    "total_out_of_range": N_(
        "total out of range: {total}, the account's last {invoices} invoices {lowest_total} to"
        " {highest_total}"
    ),
    "negative_total": N_("negative total {total} without a credit reason"),
    "incomplete_intervals": N_(
        "missing readings: supply point {point} has {count} of {expected} intervals"
    ),
    "month_missing": N_("missing readings: supply point {point} has no consumption for {month}"),
    "skipped_points": N_("supply point {point} not rated: {reason}"),
    "period_not_contiguous": N_(
        "period not contiguous: billing {month}, the last billed period ended {last_end}"
    ),
    "credit_note_for_no_invoice": N_("credit note for no invoice"),
    "credit_note_not_for_issued": N_("credit note for {invoice}, which is not an issued invoice"),
    "credit_note_mismatch": N_(
        "credit note total {total} does not cancel invoice {invoice} total {original_total}"
    ),
}

CHECKS = {
    "consumption_out_of_range": CONSUMPTION_OUT_OF_RANGE,
    "total_out_of_range": TOTAL_OUT_OF_RANGE,
    "negative_total": NEGATIVE_TOTAL,
    "incomplete_intervals": INCOMPLETE_INTERVALS,
    "month_missing": MONTH_MISSING,
    "skipped_points": SKIPPED_POINTS,
    "period_not_contiguous": PERIOD_NOT_CONTIGUOUS,
    "credit_note_mismatch": CREDIT_NOTE_MISMATCH,
}


def find_problems(
    connection: duckdb.DuckDBPyConnection,
    invoice_ids: Sequence[str],
    limits: CheckLimits | None = None,
) -> dict[str, list[Reason]]:
    """Every check's findings for the invoices, as {invoice id: [reasons]}, in English order."""
    limits = limits or CheckLimits()
    parameters = {
        "ids": list(invoice_ids),
        "consumption_ratio": limits.consumption_ratio,
        "total_ratio": limits.total_ratio,
        "history_months": limits.history_months,
        "min_history": limits.min_history,
    }
    available = _tables(connection)
    problems: dict[str, list[Reason]] = {}
    for name, statement in CHECKS.items():
        if name == "skipped_points" and "billing.skipped_supply_points" not in available:
            continue
        used = {key: value for key, value in parameters.items() if f"${key}" in statement}
        for invoice_id, key, values in connection.execute(statement, used).fetchall():
            found = {k: v for k, v in json.loads(values).items() if v is not None}
            problems.setdefault(invoice_id, []).append(Reason(TEMPLATES[key], found))
    return {invoice_id: sorted(reasons, key=str) for invoice_id, reasons in problems.items()}


def _tables(connection: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        f"{schema}.{name}"
        for schema, name in connection.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
        ).fetchall()
    }


def run_checks(
    connection: duckdb.DuckDBPyConnection,
    store: sessionmaker[Session],
    invoice_ids: Sequence[str],
    limits: CheckLimits | None = None,
) -> CheckResult:
    """Check the drafts among `invoice_ids`: each becomes checked, or on hold with its reasons."""
    drafts = [i for i, status in statuses(connection, invoice_ids).items() if status == DRAFT]
    problems = find_problems(connection, drafts, limits)
    # kept as templates and values, so each reader sees them in their language
    kept = {invoice_id: dump(reasons) for invoice_id, reasons in problems.items()}
    passed = [invoice_id for invoice_id in drafts if invoice_id not in kept]
    transition(connection, store, kept, ON_HOLD, actor="consistency checks")
    transition(connection, store, passed, CHECKED, actor="consistency checks")
    held = {invoice_id: "; ".join(map(str, problems[invoice_id])) for invoice_id in problems}
    return CheckResult(checked=sorted(passed), held=dict(sorted(held.items())))
