"""A small warehouse shaped like docs/contracts.md §2-§3, with invoices whose totals it computes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb

CENT = Decimal("0.01")
MONTH = date(2025, 3, 1)
MONTH_END = date(2025, 3, 31)
ISSUE = date(2025, 4, 4)

SCHEMA = """
CREATE SCHEMA IF NOT EXISTS marts;
CREATE SCHEMA IF NOT EXISTS reports;
CREATE SCHEMA IF NOT EXISTS billing;
CREATE TABLE marts.dim_company (
    company_id VARCHAR, company_name VARCHAR, vat_number VARCHAR, tax_code VARCHAR,
    address VARCHAR, postcode VARCHAR, city VARCHAR, province VARCHAR, iban VARCHAR);
CREATE TABLE marts.dim_customer (
    customer_id VARCHAR, company_id VARCHAR, customer_name VARCHAR, customer_kind VARCHAR,
    first_name VARCHAR, last_name_or_company VARCHAR, tax_code VARCHAR, vat_number VARCHAR,
    segment VARCHAR, customer_status VARCHAR, email VARCHAR, phone VARCHAR, language VARCHAR,
    parent_customer_id VARCHAR, root_customer_id VARCHAR, hierarchy_depth INTEGER);
CREATE TABLE marts.dim_billing_account (
    billing_account_id VARCHAR, company_id VARCHAR, customer_id VARCHAR, address VARCHAR,
    postcode VARCHAR, city VARCHAR, province VARCHAR, sdi_code VARCHAR, pec VARCHAR,
    delivery VARCHAR, email VARCHAR, payment_method VARCHAR, iban VARCHAR,
    billing_cycle VARCHAR, payment_days INTEGER);
CREATE TABLE marts.dim_supply_point (
    supply_point_id VARCHAR, company_id VARCHAR, commodity VARCHAR, billing_account_id VARCHAR,
    customer_id VARCHAR, offer_id VARCHAR, dso_code VARCHAR, address VARCHAR, postcode VARCHAR,
    city VARCHAR, province VARCHAR, use VARCHAR, voltage VARCHAR, power_kw DECIMAL(12, 3),
    meter_type VARCHAR);
CREATE TABLE reports.rpt_offers (
    offer_id VARCHAR, company_id VARCHAR, commodity VARCHAR, name VARCHAR, kind VARCHAR);
CREATE TABLE reports.rpt_monthly_consumption (
    company_id VARCHAR, billing_account_id VARCHAR, supply_point_id VARCHAR, commodity VARCHAR,
    month DATE, band VARCHAR, quantity DECIMAL(18, 6), unit VARCHAR, interval_count INTEGER,
    expected_interval_count INTEGER);
CREATE TABLE reports.rpt_billing_determinants (
    determinant_id VARCHAR, company_id VARCHAR, billing_account_id VARCHAR,
    supply_point_id VARCHAR, commodity VARCHAR, billing_month DATE, period_start DATE,
    period_end DATE, band VARCHAR, quantity DECIMAL(18, 6), unit VARCHAR,
    provenance VARCHAR, is_true_up BOOLEAN);
CREATE TABLE billing.invoice_lines (
    invoice_id VARCHAR, line_no INTEGER, supply_point_id VARCHAR, component VARCHAR,
    band VARCHAR, tier INTEGER, quantity DECIMAL(24, 12), unit_price DECIMAL(18, 6),
    amount DECIMAL(14, 2), vat_rate DECIMAL(5, 4), "group" VARCHAR, provenance VARCHAR,
    is_true_up BOOLEAN);
CREATE TABLE billing.invoice_vat (
    invoice_id VARCHAR, vat_rate DECIMAL(5, 4), taxable DECIMAL(14, 2), vat DECIMAL(14, 2));
CREATE TABLE billing.invoices (
    invoice_id VARCHAR, company_id VARCHAR, billing_account_id VARCHAR, customer_id VARCHAR,
    document_type VARCHAR, kind VARCHAR, period_start DATE, period_end DATE,
    taxable DECIMAL(14, 2), vat_total DECIMAL(14, 2), total DECIMAL(14, 2), status VARCHAR,
    hold_reason VARCHAR, number VARCHAR, series VARCHAR, issue_date DATE, due_date DATE,
    related_invoice_id VARCHAR, correction_case_id VARCHAR, created_at TIMESTAMPTZ);
"""

COMPANY = (
    "C01",
    "Luce e Gas Italia S.p.A.",
    "01234567897",
    "01234567897",
    "Via Roma, 1",
    "12100",
    "Cuneo",
    "CN",
    "IT60X0542811101000000123456",
)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Customer:
    customer_id: str
    kind: str
    name: str
    first_name: str | None
    last_name_or_company: str
    tax_code: str | None
    vat_number: str | None
    email: str | None
    language: str
    parent: str | None = None


@dataclass(frozen=True)
class Account:
    billing_account_id: str
    customer_id: str
    delivery: str
    email: str | None
    sdi_code: str | None = None
    pec: str | None = None
    payment_method: str = "BANK_TRANSFER"
    address: tuple[str, str, str, str] = ("Via Garibaldi, 7", "10121", "Torino", "TO")


@dataclass(frozen=True)
class Point:
    supply_point_id: str
    commodity: str
    use: str = "domestic_resident"
    estimated_band: str | None = None


@dataclass
class Invoice:
    invoice_id: str
    account: str
    points: tuple[str, ...]
    number: str | None
    status: str = "issued"
    document_type: str = "TD01"
    kind: str = "regular"
    vat_rate: Decimal = Decimal("0.1000")
    related_invoice_id: str | None = None
    instalments: int = 0
    lines: list[tuple] = field(default_factory=list)
    vat: dict[Decimal, tuple[Decimal, Decimal]] = field(default_factory=dict)
    taxable: Decimal = Decimal(0)
    vat_total: Decimal = Decimal(0)
    total: Decimal = Decimal(0)


CUSTOMERS = (
    Customer(
        "C01-CL1",
        "person",
        "Maria Bianchi",
        "Maria",
        "Bianchi",
        "BNCMRA80A41L219X",
        None,
        "maria@example.it",
        "it",
    ),
    Customer(
        "C01-CL2",
        "company",
        "Acme Trading Ltd",
        None,
        "Acme Trading Ltd",
        None,
        "09876543217",
        "billing@acme.example",
        "en",
    ),
    Customer(
        "C01-CL3",
        "company",
        "Ferri e Figli S.r.l.",
        None,
        "Ferri e Figli S.r.l.",
        None,
        "11223344556",
        None,
        "it",
    ),
    Customer(
        "C01-GR1",
        "group",
        "Gruppo Verdi",
        None,
        "Gruppo Verdi",
        None,
        "55443322110",
        "fatture@gruppoverdi.example",
        "it",
    ),
    Customer(
        "C01-CL4",
        "person",
        "Luca Verdi",
        "Luca",
        "Verdi",
        "VRDLCU75B12F205Z",
        None,
        "luca@example.it",
        "it",
        parent="C01-GR1",
    ),
    Customer(
        "C01-CL5",
        "company",
        "Verdi Logistica S.p.A.",
        None,
        "Verdi Logistica S.p.A.",
        None,
        "66554433221",
        "amm@verdilogistica.example",
        "it",
        parent="C01-GR1",
    ),
    Customer(
        "C01-CL6", "person", "Giulia Neri", "Giulia", "Neri", "NREGLI90C50H501Y", None, None, "it"
    ),
)
ACCOUNTS = (
    Account("C01-BA1", "C01-CL1", "email", "maria@example.it", payment_method="SDD"),
    Account(
        "C01-BA2",
        "C01-CL2",
        "email",
        "billing@acme.example",
        sdi_code="ABC1234",
        address=("Corso Francia, 200", "10143", "Torino", "TO"),
    ),
    Account(
        "C01-BA3",
        "C01-CL3",
        "post",
        None,
        pec="ferri@pec.example.it",
        address=("Via Dante Alighieri, 12", "20121", "Milano", "MI"),
    ),
    Account("C01-BA4", "C01-CL4", "email", "luca@example.it"),
    Account("C01-BA5", "C01-CL5", "email", "amm@verdilogistica.example", sdi_code="XYZ9876"),
    Account(
        "C01-BA6",
        "C01-CL6",
        "post",
        None,
        payment_method="POSTAL_SLIP",
        address=("Piazza Navona, 3", "00186", "Roma", "RM"),
    ),
)
POINTS = {
    "C01-BA1": (
        Point("IT001E00000001", "ELE", estimated_band="F2"),
        Point("00880000000001", "GAS"),
    ),
    "C01-BA2": (Point("IT001E00000002", "ELE", use="non_domestic"),),
    "C01-BA3": (Point("IT001E00000003", "ELE", use="non_domestic", estimated_band="F1"),),
    "C01-BA4": (Point("IT001E00000004", "ELE"),),
    "C01-BA5": (Point("IT001E00000005", "ELE", use="non_domestic"),),
    "C01-BA6": (Point("00880000000006", "GAS"),),
}
# (component, group, band, unit price); quantities come from the point and band
ELE_LINES = (
    ("energy", "energy", "F1", Decimal("0.130613")),
    ("energy", "energy", "F2", Decimal("0.119381")),
    ("energy", "energy", "F3", Decimal("0.116100")),
    ("dispatching", "energy", None, Decimal("0.012345")),
    ("network_fixed", "network", None, Decimal("1.750000")),
    ("network_energy", "network", None, Decimal("0.008790")),
    ("system_energy", "system", None, Decimal("0.029310")),
    ("excise", "excise", None, Decimal("0.022700")),
)
GAS_LINES = (
    ("energy", "energy", "ALL", Decimal("0.450000")),
    ("network_fixed", "network", None, Decimal("4.100000")),
    ("system_energy", "system", None, Decimal("0.041000")),
    ("excise", "excise", None, Decimal("0.175000")),
)


def _quantity(point: Point, band: str | None, seq: int) -> Decimal:
    base = {"F1": 180, "F2": 140, "F3": 210, "ALL": 95}.get(band or "", 0)
    if band is None:
        return (
            Decimal(530 + seq) + Decimal("0.123456789012")
            if point.commodity == "ELE"
            else Decimal(95)
        )
    return Decimal(base + seq) + Decimal("0.456")


def build_invoices() -> list[Invoice]:
    invoices = [
        Invoice("C01-INV-1", "C01-BA1", ("IT001E00000001", "00880000000001"), "1"),
        Invoice("C01-INV-0", "C01-BA2", ("IT001E00000002",), "0", vat_rate=Decimal("0.2200")),
        Invoice(
            "C01-INV-2",
            "C01-BA2",
            ("IT001E00000002",),
            "2",
            vat_rate=Decimal("0.2200"),
            instalments=3,
        ),
        Invoice(
            "C01-NC-1",
            "C01-BA2",
            ("IT001E00000002",),
            "3",
            document_type="TD04",
            kind="credit_note",
            vat_rate=Decimal("0.2200"),
            related_invoice_id="C01-INV-0",
        ),
        Invoice("C01-INV-3", "C01-BA3", ("IT001E00000003",), "4", vat_rate=Decimal("0.2200")),
        Invoice("C01-INV-4", "C01-BA4", ("IT001E00000004",), "5"),
        Invoice("C01-INV-5", "C01-BA5", ("IT001E00000005",), "6", vat_rate=Decimal("0.2200")),
        Invoice("C01-INV-6", "C01-BA6", ("00880000000006",), "7"),
        Invoice(
            "C01-DR-1", "C01-BA1", ("IT001E00000001", "00880000000001"), None, status="approved"
        ),
        Invoice("C01-DR-4", "C01-BA4", ("IT001E00000004",), None, status="checked"),
    ]
    points = {p.supply_point_id: p for ps in POINTS.values() for p in ps}
    for seq, inv in enumerate(invoices):
        for sp_id in inv.points:
            point = points[sp_id]
            for component, group, band, price in (
                ELE_LINES if point.commodity == "ELE" else GAS_LINES
            ):
                quantity = _quantity(point, band, seq)
                provenance = "estimate" if band and band == point.estimated_band else "actual"
                inv.lines.append(
                    (
                        len(inv.lines) + 1,
                        sp_id,
                        component,
                        band,
                        None,
                        quantity,
                        price,
                        cents(quantity * price),
                        inv.vat_rate,
                        group,
                        provenance,
                        False,
                    )
                )
        if inv.document_type == "TD01" and point.use == "domestic_resident":
            inv.lines.append(
                (
                    len(inv.lines) + 1,
                    inv.points[0],
                    "tv_licence",
                    None,
                    None,
                    Decimal(1),
                    Decimal("9.000000"),
                    Decimal("9.00"),
                    Decimal("0.0000"),
                    "other",
                    None,
                    False,
                )
            )
        by_rate: dict[Decimal, Decimal] = {}
        for line in inv.lines:
            by_rate[line[8]] = by_rate.get(line[8], Decimal(0)) + line[7]
        inv.vat = {rate: (taxable, cents(taxable * rate)) for rate, taxable in by_rate.items()}
        inv.taxable = sum((t for t, _ in inv.vat.values()), Decimal(0))
        inv.vat_total = sum((v for _, v in inv.vat.values()), Decimal(0))
        inv.total = inv.taxable + inv.vat_total
    return invoices


def instalment_amounts(total: Decimal, n: int) -> list[Decimal]:
    first = cents(total / n)
    return [first] * (n - 1) + [total - first * (n - 1)]


def build_warehouse(path: Path) -> list[Invoice]:
    """Write the warehouse; returns the invoices with the totals it wrote."""
    invoices = build_invoices()
    con = duckdb.connect(str(path))
    try:
        con.execute(SCHEMA)
        con.execute("INSERT INTO marts.dim_company VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", COMPANY)
        for c in CUSTOMERS:
            con.execute(
                "INSERT INTO marts.dim_customer VALUES (?, 'C01', ?, ?, ?, ?, ?, ?, ?, 'active', "
                "?, NULL, ?, ?, ?, ?)",
                [
                    c.customer_id,
                    c.name,
                    c.kind,
                    c.first_name,
                    c.last_name_or_company,
                    c.tax_code,
                    c.vat_number,
                    "domestic" if c.kind == "person" else "business",
                    c.email,
                    c.language,
                    c.parent,
                    c.parent or c.customer_id,
                    1 if c.parent else 0,
                ],
            )
        for a in ACCOUNTS:
            con.execute(
                "INSERT INTO marts.dim_billing_account VALUES "
                "(?, 'C01', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'monthly', 20)",
                [
                    a.billing_account_id,
                    a.customer_id,
                    *a.address,
                    a.sdi_code,
                    a.pec,
                    a.delivery,
                    a.email,
                    a.payment_method,
                    "IT02L1234512345123456789012" if a.payment_method == "SDD" else None,
                ],
            )
            customer_id = a.customer_id
            for n, p in enumerate(POINTS[a.billing_account_id]):
                offer = "C01-OF1" if p.commodity == "ELE" else "C01-OF2"
                con.execute(
                    "INSERT INTO marts.dim_supply_point VALUES "
                    "(?, 'C01', ?, ?, ?, ?, 'DSO001', ?, '10121', 'Torino', 'TO', ?, ?, ?, ?)",
                    [
                        p.supply_point_id,
                        p.commodity,
                        a.billing_account_id,
                        customer_id,
                        offer,
                        f"Via Po, {n + 1}",
                        p.use,
                        "LV" if p.commodity == "ELE" else None,
                        Decimal("3.0") if p.commodity == "ELE" else None,
                        "interval" if p.commodity == "ELE" else "register",
                    ],
                )
                for m in range(14):
                    month = date(2024 + (m + 1) // 12, (m + 1) % 12 + 1, 1)
                    bands = ("F1", "F2", "F3") if p.commodity == "ELE" else ("ALL",)
                    for band in bands:
                        con.execute(
                            "INSERT INTO reports.rpt_monthly_consumption VALUES "
                            "('C01', ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
                            [
                                a.billing_account_id,
                                p.supply_point_id,
                                p.commodity,
                                month,
                                band,
                                Decimal(100 + 10 * m + len(band)),
                                "kWh" if p.commodity == "ELE" else "m3",
                            ],
                        )
                for band in ("F1", "F2", "F3") if p.commodity == "ELE" else ("ALL",):
                    con.execute(
                        "INSERT INTO reports.rpt_billing_determinants VALUES "
                        "(?, 'C01', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, false)",
                        [
                            f"{p.supply_point_id}-{band}",
                            a.billing_account_id,
                            p.supply_point_id,
                            p.commodity,
                            MONTH,
                            MONTH,
                            MONTH_END,
                            band,
                            _quantity(p, band, 0),
                            "kWh" if p.commodity == "ELE" else "Smc",
                            "estimate" if band == p.estimated_band else "actual",
                        ],
                    )
        con.execute(
            "INSERT INTO reports.rpt_offers VALUES ('C01-OF1', 'C01', 'ELE', 'Luce Tre Fasce', "
            "'fixed'), ('C01-OF2', 'C01', 'GAS', 'Gas Prezzo Fisso', 'fixed')"
        )
        accounts = {a.billing_account_id: a for a in ACCOUNTS}
        created = datetime(2025, 4, 4, 8, 0, tzinfo=UTC)
        for inv in invoices:
            issued = inv.status == "issued"
            con.execute(
                "INSERT INTO billing.invoices VALUES "
                "(?, 'C01', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, NULL, ?)",
                [
                    inv.invoice_id,
                    inv.account,
                    accounts[inv.account].customer_id,
                    inv.document_type,
                    inv.kind,
                    MONTH,
                    MONTH_END,
                    inv.taxable,
                    inv.vat_total,
                    inv.total,
                    inv.status,
                    inv.number,
                    "2025/A" if issued else None,
                    ISSUE if issued else None,
                    date(2025, 4, 24),
                    inv.related_invoice_id,
                    created,
                ],
            )
            con.executemany(
                "INSERT INTO billing.invoice_lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[inv.invoice_id, *line] for line in inv.lines],
            )
            con.executemany(
                "INSERT INTO billing.invoice_vat VALUES (?, ?, ?, ?)",
                [[inv.invoice_id, rate, t, v] for rate, (t, v) in sorted(inv.vat.items())],
            )
    finally:
        con.close()
    return invoices


def pdf_text(pdf: Path | bytes) -> str:
    """Every page's text, with spaces normalised (Babel writes a no-break space before €)."""
    from io import BytesIO

    from pypdf import PdfReader

    reader = PdfReader(BytesIO(pdf) if isinstance(pdf, bytes) else pdf)
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.replace("\xa0", " ").split())


def normalised(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())
