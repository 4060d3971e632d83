"""Deterministic sample invoices, for previewing the template and for the PDF benchmark."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from exports.documents import (
    CREDIT_NOTE,
    INVOICE,
    ISSUED,
    Address,
    BillingAccount,
    Customer,
    Instalment,
    InvoiceDocument,
    Line,
    MonthlyQuantity,
    Reading,
    Seller,
    SupplyPoint,
    VatSummary,
)

CENT = Decimal("0.01")
SELLER = Seller(
    "C01",
    "Luce e Gas Italia S.p.A.",
    "01234567897",
    "01234567897",
    Address("Via Roma, 1", "12100", "Cuneo", "CN"),
    "IT60X0542811101000000123456",
)
# supply points per invoice: most customers have one, dual-fuel ones two, a few businesses more
POINTS_MIX = (1, 2, 1, 1, 2, 1, 3, 1, 2, 1)
CITIES = (("Torino", "TO", "10121"), ("Milano", "MI", "20121"), ("Roma", "RM", "00185"))
ELE_COMPONENTS = (
    ("energy", "energy", ("F1", "F2", "F3")),
    ("dispatching", "energy", (None,)),
    ("marketing_fee", "energy", (None,)),
    ("network_fixed", "network", (None,)),
    ("network_power", "network", (None,)),
    ("network_energy", "network", (None,)),
    ("system_energy", "system", (None,)),
    ("excise", "excise", (None,)),
)
GAS_COMPONENTS = (
    ("energy", "energy", (None,)),
    ("marketing_fixed", "energy", (None,)),
    ("network_fixed", "network", (None,)),
    ("network_energy", "network", (None,)),
    ("system_energy", "system", (None,)),
    ("excise", "excise", (None,)),
    ("regional_surcharge", "excise", (None,)),
)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _month_back(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def sample_invoice(n: int, *, language: str = "it", points: int | None = None) -> InvoiceDocument:
    """Invoice `n` of a made-up company: 1-3 supply points (POINTS_MIX unless `points`), a year
    of consumption, VAT per rate; every 10th has instalments, every 50th is a credit note."""
    rnd = random.Random(n)
    month = date(2025, 3, 1)
    period_end = date(2025, 3, 31)
    city, province, postcode = CITIES[n % len(CITIES)]
    person = n % 3 != 0
    customer = Customer(
        customer_id=f"C01-CL{n:06d}",
        kind="person" if person else "company",
        name=f"Mario Rossi {n}" if person else f"Rossi Impianti {n} S.r.l.",
        first_name="Mario" if person else None,
        last_name_or_company=f"Rossi {n}" if person else f"Rossi Impianti {n} S.r.l.",
        tax_code="RSSMRA80A01H501U" if person else None,
        vat_number=None if person else "12345678903",
        email=f"cliente{n}@example.it",
        language=language,
        root_customer_id=f"C01-CL{n:06d}",
        root_email=None,
    )
    account = BillingAccount(
        billing_account_id=f"C01-BA{n:06d}",
        address=Address(f"Via Garibaldi, {n % 200 + 1}", postcode, city, province),
        sdi_code=None if person else "ABC1234",
        pec=None,
        delivery="email" if n % 4 else "post",
        email=customer.email,
        payment_method="SDD" if n % 2 else "BANK_TRANSFER",
        iban="IT60X0542811101000000123456" if n % 2 else None,
    )
    supply_points, lines, readings, consumption = [], [], [], []
    for p in range(points or POINTS_MIX[n % len(POINTS_MIX)]):
        commodity = "GAS" if p == 1 else "ELE"
        sp_id = f"{n:08d}{p:06d}" if commodity == "GAS" else f"IT001E{n % 10**6:06d}{p:02d}"
        supply_points.append(
            SupplyPoint(
                sp_id,
                commodity,
                "domestic_resident" if person else "non_domestic",
                "LV" if commodity == "ELE" else None,
                Decimal("3.0") if commodity == "ELE" else None,
                "interval" if commodity == "ELE" else "register",
                "DSO001",
                Address(f"Via Po, {p + 1}", postcode, city, province),
                "Luce Tre Fasce" if commodity == "ELE" else "Gas Prezzo Fisso",
                "fixed",
            )
        )
        unit = "kWh" if commodity == "ELE" else "Smc"
        vat_rate = Decimal("0.1000") if person else Decimal("0.2200")
        bands = ("F1", "F2", "F3") if commodity == "ELE" else ("ALL",)
        for band in bands:
            readings.append(
                Reading(
                    sp_id,
                    month,
                    period_end,
                    band,
                    Decimal(rnd.randint(50_000, 400_000)) / 1000,
                    unit,
                    "estimate" if rnd.random() < 0.2 else "actual",
                    False,
                )
            )
        for m in range(12):
            consumption.append(
                MonthlyQuantity(
                    commodity,
                    _month_back(month, 11 - m),
                    Decimal(rnd.randint(80_000, 600_000)) / 1000,
                    "kWh" if commodity == "ELE" else "m3",
                )
            )
        for component, group, component_bands in (
            ELE_COMPONENTS if commodity == "ELE" else GAS_COMPONENTS
        ):
            for band in component_bands:
                quantity = Decimal(rnd.randint(10_000_000, 400_000_000)) / 10**6
                unit_price = Decimal(rnd.randint(1_000, 150_000)) / 10**6
                lines.append(
                    Line(
                        len(lines) + 1,
                        sp_id,
                        component,
                        band,
                        None,
                        quantity,
                        unit_price,
                        _cents(quantity * unit_price),
                        vat_rate,
                        group,
                        "actual",
                        False,
                    )
                )
    if person:
        lines.append(
            Line(
                len(lines) + 1,
                supply_points[0].supply_point_id,
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
    for line in lines:
        by_rate[line.vat_rate] = by_rate.get(line.vat_rate, Decimal(0)) + line.amount
    vat = tuple(
        VatSummary(rate, taxable, _cents(taxable * rate))
        for rate, taxable in sorted(by_rate.items())
    )
    taxable = sum((v.taxable for v in vat), Decimal(0))
    vat_total = sum((v.vat for v in vat), Decimal(0))
    total = taxable + vat_total
    issue_date = date(2025, 4, 5)
    instalments: tuple[Instalment, ...] = ()
    if n % 10 == 0:
        first = _cents(total / 3)
        instalments = tuple(
            Instalment(
                i + 1,
                issue_date + timedelta(days=30 * (i + 1)),
                first if i < 2 else total - 2 * first,
            )
            for i in range(3)
        )
    return InvoiceDocument(
        invoice_id=f"C01-INV-{n:07d}",
        document_type=CREDIT_NOTE if n % 50 == 49 else INVOICE,
        kind="regular",
        status=ISSUED,
        number=f"{n:06d}",
        series="2025/A",
        issue_date=issue_date,
        due_date=issue_date + timedelta(days=20),
        period_start=month,
        period_end=period_end,
        taxable=taxable,
        vat_total=vat_total,
        total=total,
        seller=SELLER,
        customer=customer,
        account=account,
        supply_points=tuple(supply_points),
        lines=tuple(lines),
        vat=vat,
        readings=tuple(readings),
        instalments=instalments,
        consumption=tuple(consumption),
        related_number="2025/A/000001" if n % 50 == 49 else None,
        related_issue_date=date(2025, 3, 5) if n % 50 == 49 else None,
    )
