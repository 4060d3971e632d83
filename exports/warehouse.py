"""Read invoices, with everything their documents show, from the warehouse in a few set queries."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date

import duckdb

from exports.documents import (
    ISSUED,
    PRE_INVOICE_STATUSES,
    Address,
    BillingAccount,
    Customer,
    InvoiceDocument,
    Line,
    MonthlyQuantity,
    Reading,
    Seller,
    SupplyPoint,
    VatSummary,
)

CHART_MONTHS = 12


IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class InvoiceSelection:
    """Which invoices a run exports: a billing month (of the period end), a lot, explicit ids.

    A lot is the temp table of its billing accounts (one column, `billing_account_id`) that
    invoicing's `materialise_lot` writes for the rating engine, so both read the same accounts.
    """

    month: date | None = None
    company_ids: tuple[str, ...] | None = None
    invoice_ids: tuple[str, ...] | None = None
    statuses: tuple[str, ...] = (ISSUED,)
    accounts_table: str | None = None

    def where(self) -> tuple[str, dict]:
        clauses = ["list_contains($statuses::VARCHAR[], i.status)"]
        if self.accounts_table is not None:
            if not IDENTIFIER.match(self.accounts_table):
                raise ValueError(f"accounts_table: {self.accounts_table!r} is not a table name")
            clauses.append(
                f"i.billing_account_id IN (SELECT billing_account_id FROM {self.accounts_table})"
            )
        params: dict = {"statuses": list(self.statuses)}
        if self.month is not None:
            # as invoicing's runs do: a document belongs to the month its period ends in
            clauses.append(
                "i.period_end >= $month::DATE AND i.period_end < $month::DATE + INTERVAL 1 MONTH"
            )
            params["month"] = self.month.replace(day=1)
        if self.company_ids is not None:
            clauses.append("list_contains($company_ids::VARCHAR[], i.company_id)")
            params["company_ids"] = list(self.company_ids)
        if self.invoice_ids is not None:
            clauses.append("list_contains($invoice_ids::VARCHAR[], i.invoice_id)")
            params["invoice_ids"] = list(self.invoice_ids)
        if self.statuses == (ISSUED,):
            clauses.append("i.number IS NOT NULL")
        return " AND ".join(clauses), params


def pre_invoices(selection: InvoiceSelection) -> InvoiceSelection:
    """The same run's simulations (draft, checked, approved) instead of its issued documents."""
    return replace(selection, statuses=PRE_INVOICE_STATUSES)


HEADERS = """
SELECT
    i.invoice_id, i.document_type, i.kind, i.status, i.number, i.series, i.issue_date,
    i.due_date, i.period_start, i.period_end, i.taxable, i.vat_total, i.total,
    r.number AS related_number, r.series AS related_series, r.issue_date AS related_issue_date,
    co.company_id, co.company_name, co.vat_number AS company_vat, co.tax_code AS company_tax_code,
    co.address AS company_address, co.postcode AS company_postcode, co.city AS company_city,
    co.province AS company_province, co.iban AS company_iban,
    cu.customer_id, cu.customer_kind, cu.customer_name, cu.first_name, cu.last_name_or_company,
    cu.tax_code, cu.vat_number, cu.email AS customer_email, cu.language,
    coalesce(cu.root_customer_id, cu.customer_id) AS root_customer_id, root.email AS root_email,
    ba.billing_account_id, ba.address, ba.postcode, ba.city, ba.province, ba.sdi_code, ba.pec,
    ba.delivery, ba.email AS account_email, ba.payment_method, ba.iban
FROM billing.invoices AS i
JOIN marts.dim_billing_account AS ba ON ba.billing_account_id = i.billing_account_id
JOIN marts.dim_customer AS cu ON cu.customer_id = coalesce(i.customer_id, ba.customer_id)
JOIN marts.dim_company AS co ON co.company_id = i.company_id
LEFT JOIN marts.dim_customer AS root ON root.customer_id = cu.root_customer_id
LEFT JOIN billing.invoices AS r ON r.invoice_id = i.related_invoice_id
WHERE {where}
ORDER BY i.company_id, i.invoice_id
"""

LINES = """
SELECT l.invoice_id, l.line_no, l.supply_point_id, l.component, l.band, l.tier, l.quantity,
       l.unit_price, l.amount, l.vat_rate, l."group", l.provenance, l.is_true_up
FROM billing.invoice_lines AS l
JOIN export_selected USING (invoice_id)
ORDER BY l.invoice_id, l.line_no
"""

VAT = """
SELECT v.invoice_id, v.vat_rate, v.taxable, v.vat
FROM billing.invoice_vat AS v
JOIN export_selected USING (invoice_id)
ORDER BY v.invoice_id, v.vat_rate
"""

SUPPLY_POINTS = """
SELECT DISTINCT l.invoice_id, sp.supply_point_id, sp.commodity, sp.use, sp.voltage, sp.power_kw,
       sp.meter_type, sp.dso_code, sp.address, sp.postcode, sp.city, sp.province,
       o.name AS offer_name, o.kind AS offer_kind
FROM billing.invoice_lines AS l
JOIN export_selected USING (invoice_id)
JOIN marts.dim_supply_point AS sp ON sp.supply_point_id = l.supply_point_id
LEFT JOIN reports.rpt_offers AS o ON o.offer_id = sp.offer_id
ORDER BY l.invoice_id, sp.supply_point_id
"""

# the quantities each invoice was computed from: its account's determinants in its months
READINGS = """
SELECT s.invoice_id, d.supply_point_id, d.period_start, d.period_end, d.band, d.quantity,
       d.unit, d.provenance, d.is_true_up
FROM reports.rpt_billing_determinants AS d
JOIN export_selected AS s
  ON d.billing_account_id = s.billing_account_id
 AND d.billing_month BETWEEN date_trunc('month', s.period_start) AND s.period_end
ORDER BY s.invoice_id, d.supply_point_id, d.period_start, d.band
"""

CONSUMPTION = f"""
WITH points AS (
    SELECT DISTINCT l.invoice_id, l.supply_point_id, s.period_end
    FROM billing.invoice_lines AS l JOIN export_selected AS s USING (invoice_id)
)
SELECT p.invoice_id, m.commodity, m.month, sum(m.quantity) AS quantity, min(m.unit) AS unit
FROM points AS p
JOIN reports.rpt_monthly_consumption AS m
  ON m.supply_point_id = p.supply_point_id
 AND m.month > date_trunc('month', p.period_end) - INTERVAL {CHART_MONTHS} MONTH
 AND m.month <= p.period_end
GROUP BY ALL
ORDER BY p.invoice_id, m.commodity, m.month
"""


def _grouped(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, list[tuple]]:
    rows: dict[str, list[tuple]] = defaultdict(list)
    for row in con.execute(sql).fetchall():
        rows[row[0]].append(row[1:])
    return rows


def _address(street, postcode, city, province) -> Address:
    return Address(street or "", postcode or "", city or "", province or "")


def load_invoice_documents(
    con: duckdb.DuckDBPyConnection, selection: InvoiceSelection = InvoiceSelection()
) -> list[InvoiceDocument]:
    """Every selected invoice as a document, in company and invoice order."""
    where, params = selection.where()
    cursor = con.execute(HEADERS.format(where=where), params)
    columns = [d[0] for d in cursor.description]
    headers = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    if not headers:
        return []
    con.execute(
        "CREATE OR REPLACE TEMP TABLE export_selected AS "
        "SELECT invoice_id, billing_account_id, period_start, period_end "
        "FROM billing.invoices WHERE list_contains($ids::VARCHAR[], invoice_id)",
        {"ids": [h["invoice_id"] for h in headers]},
    )
    try:
        lines = _grouped(con, LINES)
        vat = _grouped(con, VAT)
        points = _grouped(con, SUPPLY_POINTS)
        readings = _grouped(con, READINGS)
        consumption = _grouped(con, CONSUMPTION)
    finally:
        con.execute("DROP TABLE IF EXISTS export_selected")
    return [_document(h, lines, vat, points, readings, consumption) for h in headers]


def _supply_point(row: tuple) -> SupplyPoint:
    *technical, street, postcode, city, province, offer_name, offer_kind = row
    address = _address(street, postcode, city, province) if street else None
    return SupplyPoint(*technical, address, offer_name, offer_kind)


def _document(h: dict, lines, vat, points, readings, consumption) -> InvoiceDocument:
    invoice_id = h["invoice_id"]
    related_number = h["related_number"]
    if related_number is not None and h["related_series"]:
        related_number = f"{h['related_series']}/{related_number}"
    return InvoiceDocument(
        invoice_id=invoice_id,
        document_type=h["document_type"],
        kind=h["kind"],
        status=h["status"],
        number=None if h["number"] is None else str(h["number"]),
        series=h["series"],
        issue_date=h["issue_date"],
        due_date=h["due_date"],
        period_start=h["period_start"],
        period_end=h["period_end"],
        taxable=h["taxable"],
        vat_total=h["vat_total"],
        total=h["total"],
        related_number=None if related_number is None else str(related_number),
        related_issue_date=h["related_issue_date"],
        seller=Seller(
            h["company_id"],
            h["company_name"],
            h["company_vat"],
            h["company_tax_code"],
            _address(
                h["company_address"],
                h["company_postcode"],
                h["company_city"],
                h["company_province"],
            ),
            h["company_iban"],
        ),
        customer=Customer(
            customer_id=h["customer_id"],
            kind=h["customer_kind"],
            name=h["customer_name"],
            first_name=h["first_name"],
            last_name_or_company=h["last_name_or_company"],
            tax_code=h["tax_code"],
            vat_number=h["vat_number"],
            email=h["customer_email"],
            language=h["language"],
            root_customer_id=h["root_customer_id"],
            root_email=h["root_email"],
        ),
        account=BillingAccount(
            billing_account_id=h["billing_account_id"],
            address=_address(h["address"], h["postcode"], h["city"], h["province"]),
            sdi_code=h["sdi_code"],
            pec=h["pec"],
            delivery=h["delivery"],
            email=h["account_email"],
            payment_method=h["payment_method"],
            iban=h["iban"],
        ),
        supply_points=tuple(_supply_point(row) for row in points.get(invoice_id, [])),
        lines=tuple(Line(*row) for row in lines.get(invoice_id, [])),
        vat=tuple(VatSummary(*row) for row in vat.get(invoice_id, [])),
        readings=tuple(Reading(*row) for row in readings.get(invoice_id, [])),
        consumption=tuple(MonthlyQuantity(*row) for row in consumption.get(invoice_id, [])),
    )
