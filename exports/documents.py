"""What an invoice document is made of, as read from the warehouse: exact values, no formatting."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

INVOICE = "TD01"
CREDIT_NOTE = "TD04"
DOCUMENT_TYPES = (INVOICE, CREDIT_NOTE)
ISSUED = "issued"
# the simulations a customer is sent: those that passed the consistency checks (a draft is not
# checked yet, one on hold waits for an operator)
PRE_INVOICE_STATUSES = ("checked", "approved")
LINE_GROUPS = ("energy", "network", "system", "excise", "other")
ESTIMATED_PROVENANCES = ("estimate",)
PERSON = "person"


@dataclass(frozen=True)
class Address:
    street: str
    postcode: str
    city: str
    province: str
    country: str = "IT"


@dataclass(frozen=True)
class Seller:
    company_id: str
    name: str
    vat_number: str
    tax_code: str | None
    address: Address
    iban: str | None


@dataclass(frozen=True)
class Customer:
    customer_id: str
    kind: str  # person, company (hierarchy nodes are never invoiced)
    name: str
    first_name: str | None
    last_name_or_company: str
    tax_code: str | None
    vat_number: str | None
    email: str | None
    language: str | None
    # the top of the customer's hierarchy: invoices of one group travel together
    root_customer_id: str
    root_email: str | None


@dataclass(frozen=True)
class BillingAccount:
    billing_account_id: str
    address: Address
    sdi_code: str | None
    pec: str | None
    delivery: str  # email, post
    email: str | None
    payment_method: str  # SDD, BANK_TRANSFER, POSTAL_SLIP
    iban: str | None


@dataclass(frozen=True)
class SupplyPoint:
    supply_point_id: str
    commodity: str  # ELE, GAS
    use: str | None
    voltage: str | None
    power_kw: Decimal | None
    meter_type: str | None
    dso_code: str | None
    address: Address | None
    offer_name: str | None
    offer_kind: str | None


@dataclass(frozen=True)
class Reading:
    """A quantity the invoice was computed from, and whether it was measured or estimated."""

    supply_point_id: str
    period_start: date
    period_end: date
    band: str
    quantity: Decimal
    unit: str
    provenance: str  # actual, self_reading, estimate
    is_true_up: bool

    @property
    def is_estimated(self) -> bool:
        return self.provenance in ESTIMATED_PROVENANCES


@dataclass(frozen=True)
class Line:
    line_no: int
    supply_point_id: str
    component: str
    band: str | None
    tier: int | None
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    vat_rate: Decimal  # a fraction: 0.1000 is 10 %
    group: str
    provenance: str | None
    is_true_up: bool


@dataclass(frozen=True)
class VatSummary:
    vat_rate: Decimal
    taxable: Decimal
    vat: Decimal


@dataclass(frozen=True)
class Instalment:
    number: int
    due_date: date
    amount: Decimal


@dataclass(frozen=True)
class MonthlyQuantity:
    commodity: str
    month: date
    quantity: Decimal
    unit: str


@dataclass(frozen=True)
class Attachment:
    """A file that travels with the invoice: terms, notices, leaflets."""

    attachment_id: int
    title: str
    file_name: str  # as uploaded, the name the customer sees
    path: Path
    media_type: str


@dataclass(frozen=True)
class InvoiceDocument:
    invoice_id: str
    document_type: str  # TD01, TD04
    kind: str
    status: str
    number: str | None
    series: str | None
    issue_date: date | None
    due_date: date | None
    period_start: date
    period_end: date
    taxable: Decimal
    vat_total: Decimal
    total: Decimal
    seller: Seller
    customer: Customer
    account: BillingAccount
    supply_points: tuple[SupplyPoint, ...]
    lines: tuple[Line, ...]
    vat: tuple[VatSummary, ...]
    readings: tuple[Reading, ...] = ()
    instalments: tuple[Instalment, ...] = ()
    consumption: tuple[MonthlyQuantity, ...] = ()
    related_number: str | None = None  # a credit note names the invoice it cancels
    related_issue_date: date | None = None
    attachments: tuple[Attachment, ...] = field(default=())

    @property
    def company_id(self) -> str:
        return self.seller.company_id

    @property
    def is_issued(self) -> bool:
        return self.status == ISSUED and self.number is not None

    @property
    def document_id(self) -> str:
        """The name a person reads: the number once issued, the invoice id before."""
        if self.number is None:
            return self.invoice_id
        return f"{self.series}/{self.number}" if self.series else self.number

    @property
    def file_stem(self) -> str:
        """A file name safe on every system, unique per company: the id never changes."""
        return self.invoice_id.replace("/", "-")
