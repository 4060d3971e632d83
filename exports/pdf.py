"""Invoice PDFs: the document's data, formatted per language, compiled by the Typst template."""

from __future__ import annotations

import json
import multiprocessing
import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import typst

from exports.documents import CREDIT_NOTE, LINE_GROUPS, InvoiceDocument, Line, SupplyPoint
from exports.i18n import LANGUAGES, TEMPLATES_DIR, Labels, catalogue_path
from exports.pdfsplit import split

TEMPLATE = "invoice.typ"
# DejaVu Sans is Debian's fonts-dejavu-core; without it the template falls back to Typst's
# embedded Libertinus. System fonts are never scanned, so a page renders the same everywhere.
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)
CHUNK = 64  # invoices per task sent to a worker: large enough to hide the pickling
# invoices laid out in one Typst run and then cut apart: a run shares the fonts and the fixed
# cost of a compile; 32 is 2% less CPU than 16 for the same size of PDF, past that it is flat
RUN = 32

# the front page's summary (ARERA's "scontrino dell'energia"): line groups added up, and the
# taxes row holding the excise and the VAT
SUMMARY_GROUPS = (
    ("Energy supply", ("energy",)),
    ("Network and meter", ("network",)),
    ("System charges", ("system",)),
    ("Taxes (excise and VAT)", ("excise",)),
    ("Other items", ("other",)),
)
TAXES = "Taxes (excise and VAT)"


class TemplateError(ValueError):
    """The template or its data could not be compiled; the message names the template."""


def _supply_point_data(sp: SupplyPoint, labels: Labels) -> dict:
    address = sp.address
    return {
        "id": sp.supply_point_id,
        "commodity": sp.commodity,
        "commodity_label": labels.coded("commodity", sp.commodity),
        "kind_label": labels("POD") if sp.commodity == "ELE" else labels("PDR"),
        "address": (
            f"{address.street}, {address.postcode} {address.city} ({address.province})"
            if address
            else ""
        ),
        "use": labels.coded("use", sp.use),
        "voltage": sp.voltage or "",
        "power": labels.number(sp.power_kw, 1, trim=True) + " kW" if sp.power_kw else "",
        "meter_type": labels.coded("meter_type", sp.meter_type),
        "dso": sp.dso_code or "",
        "offer": sp.offer_name or "",
        "offer_kind": labels.coded("offer_kind", sp.offer_kind),
    }


def _line_data(line: Line, labels: Labels) -> dict:
    description = labels.coded("component", line.component)
    if line.tier is not None:
        description += " " + labels("tier {tier}", tier=line.tier)
    return {
        "description": description,
        "band": "" if line.band in (None, "ALL") else line.band,
        "quantity": labels.number(line.quantity, 3, trim=True),
        "unit_price": labels.price(line.unit_price),
        "vat_rate": labels.percent(line.vat_rate),
        "amount": labels.money(line.amount),
        "estimated": line.provenance == "estimate",
        "true_up": line.is_true_up,
    }


def _groups_data(lines: Sequence[Line], labels: Labels) -> list[dict]:
    by_group: dict[str, list[Line]] = defaultdict(list)
    for line in lines:
        by_group[line.group].append(line)
    order = [g for g in LINE_GROUPS if g in by_group] + sorted(set(by_group) - set(LINE_GROUPS))
    return [
        {
            "code": group,
            "label": labels.coded("group", group),
            "lines": [_line_data(line, labels) for line in by_group[group]],
            "subtotal": labels.money(sum((line.amount for line in by_group[group]), Decimal(0))),
        }
        for group in order
    ]


def _chart_data(doc: InvoiceDocument, labels: Labels) -> list[dict]:
    """One chart per commodity: the last 12 months' quantities as bars scaled to the largest."""
    charts = []
    for commodity in ("ELE", "GAS"):
        months = sorted(
            (m for m in doc.consumption if m.commodity == commodity), key=lambda m: m.month
        )
        if not months:
            continue
        top = max(months, key=lambda m: m.quantity)
        unit = months[0].unit
        charts.append(
            {
                "commodity": commodity,
                "title": labels(
                    "{commodity} consumption, last 12 months ({unit})",
                    commodity=labels.coded("commodity", commodity),
                    unit=unit,
                ),
                "unit": unit,
                "caption": labels(
                    "{total} {unit} in all; the highest month, {month}: {top} {unit}",
                    total=labels.number(sum((m.quantity for m in months), Decimal(0))),
                    month=labels.month(top.month),
                    top=labels.number(top.quantity),
                    unit=unit,
                ),
                "bars": [
                    {
                        "month": labels.month(m.month),
                        "value": labels.number(m.quantity),
                        # a drawing proportion, never an amount
                        "share": float(m.quantity / top.quantity) if top.quantity > 0 else 0.0,
                    }
                    for m in months
                ],
            }
        )
    return charts


def template_data(doc: InvoiceDocument, labels: Labels | None = None) -> dict:
    """Everything the template may show, already formatted in the customer's language.

    A new block in the layout reads what is here; only data the warehouse does not yet hand
    over needs a code change.
    """
    labels = labels or Labels(doc.customer.language)
    lines_by_point: dict[str, list[Line]] = defaultdict(list)
    for line in doc.lines:
        lines_by_point[line.supply_point_id].append(line)
    readings_by_point = defaultdict(list)
    for r in doc.readings:
        readings_by_point[r.supply_point_id].append(r)

    points = []
    for sp in doc.supply_points:
        point_lines = lines_by_point.get(sp.supply_point_id, [])
        point = _supply_point_data(sp, labels)
        point["readings"] = [
            {
                "period": labels.period(r.period_start, r.period_end),
                "band": "" if r.band == "ALL" else r.band,
                "quantity": labels.number(r.quantity, 3, trim=True),
                "unit": r.unit,
                "source": labels.coded("provenance", r.provenance),
                "estimated": r.is_estimated,
                "true_up": r.is_true_up,
            }
            for r in sorted(
                readings_by_point.get(sp.supply_point_id, []),
                key=lambda r: (r.period_start, r.band),
            )
        ]
        point["groups"] = _groups_data(point_lines, labels)
        point["subtotal"] = labels.money(sum((li.amount for li in point_lines), Decimal(0)))
        point["has_estimates"] = any(r.is_estimated for r in readings_by_point[sp.supply_point_id])
        points.append(point)

    group_totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in doc.lines:
        group_totals[line.group] += line.amount
    summary = [
        {
            "label": labels(label),
            "amount": labels.money(
                sum(group_totals[g] for g in groups) + (doc.vat_total if label == TAXES else 0)
            ),
        }
        for label, groups in SUMMARY_GROUPS
    ]

    seller, customer, account = doc.seller, doc.customer, doc.account
    is_credit_note = doc.document_type == CREDIT_NOTE
    return {
        "lang": labels.language,
        "document": {
            "id": doc.invoice_id,
            "type": doc.document_type,
            "title": labels("Credit note") if is_credit_note else labels("Invoice"),
            "is_credit_note": is_credit_note,
            "is_draft": not doc.is_issued,
            "kind": labels.coded("invoice_kind", doc.kind),
            "number": doc.document_id,
            "issue_date": labels.date(doc.issue_date),
            "due_date": labels.date(doc.due_date),
            "period": labels.period(doc.period_start, doc.period_end),
            "taxable": labels.money(doc.taxable),
            "vat_total": labels.money(doc.vat_total),
            "total": labels.money(doc.total),
            "related_number": doc.related_number or "",
            "related_issue_date": labels.date(doc.related_issue_date),
        },
        "seller": {
            "name": seller.name,
            "vat_number": seller.vat_number,
            "tax_code": seller.tax_code or "",
            "address": seller.address.street,
            "city": f"{seller.address.postcode} {seller.address.city} ({seller.address.province})",
            "iban": seller.iban or "",
        },
        "customer": {
            "id": customer.customer_id,
            "name": customer.name,
            "tax_code": customer.tax_code or "",
            "vat_number": customer.vat_number or "",
            "email": customer.email or "",
        },
        "account": {
            "id": account.billing_account_id,
            "address": account.address.street,
            "city": (
                f"{account.address.postcode} {account.address.city} ({account.address.province})"
            ),
            "payment_method": labels.coded("payment_method", account.payment_method),
            "iban": account.iban or "",
            "email": account.email or "",
            "sdi_code": account.sdi_code or "",
            "pec": account.pec or "",
        },
        "summary": summary,
        "supply_points": points,
        "vat": [
            {
                "rate": labels.percent(v.vat_rate),
                "taxable": labels.money(v.taxable),
                "vat": labels.money(v.vat),
            }
            for v in doc.vat
        ],
        "instalments": [
            {
                "number": i.number,
                "due_date": labels.date(i.due_date),
                "amount": labels.money(i.amount),
            }
            for i in doc.instalments
        ],
        "charts": _chart_data(doc, labels),
        "has_estimates": any(r.is_estimated for r in doc.readings),
        "attachments": [a.title for a in doc.attachments],
    }


@dataclass(frozen=True)
class RenderedPdf:
    invoice_id: str
    path: Path
    size_bytes: int


class InvoiceRenderer:
    """One Typst compiler per process, reused: the fonts and the template are loaded once."""

    def __init__(self, templates_dir: Path = TEMPLATES_DIR, template: str = TEMPLATE) -> None:
        self.templates_dir = templates_dir.resolve()
        self.template = str(self.templates_dir / template)
        if not Path(self.template).is_file():
            raise TemplateError(f"template not found: {self.template}")
        for language in LANGUAGES:
            if not catalogue_path(language, self.templates_dir).is_file():
                path = catalogue_path(language, self.templates_dir)
                raise TemplateError(f"labels not found: {path}")
        self._compiler = typst.Compiler(
            input=self.template,
            root=str(self.templates_dir),
            font_paths=[str(d) for d in FONT_DIRS if d.is_dir()],
            ignore_system_fonts=True,
        )
        self._labels: dict[str, Labels] = {}
        # every language's labels in one text, the same for every run: Typst parses it once
        self._labels_json = json.dumps(
            {language: self.labels(language).layout() for language in LANGUAGES},
            ensure_ascii=False,
        )

    def labels(self, language: str | None) -> Labels:
        key = language or ""
        if key not in self._labels:
            self._labels[key] = Labels(language, self.templates_dir)
        return self._labels[key]

    def render_many(self, docs: Sequence[InvoiceDocument]) -> list[bytes]:
        """One PDF per document, laid out in runs of `RUN` documents and cut apart."""
        pdfs: list[bytes] = []
        for start in range(0, len(docs), RUN):
            pdfs.extend(self._render_run(docs[start : start + RUN]))
        return pdfs

    def _render_run(self, docs: Sequence[InvoiceDocument]) -> list[bytes]:
        data = [template_data(doc, self.labels(doc.customer.language)) for doc in docs]
        try:
            # `input` on every call: a compiler keeps no usable input between compiles
            run = self._compiler.compile(
                input=self.template,
                sys_inputs={
                    "data": json.dumps(data, ensure_ascii=False),
                    "labels": self._labels_json,
                },
                pdf_tags=False,
                # page contents left uncompressed: the cut compresses them, faster (pdfsplit)
                pretty=True,
            )
        except RuntimeError as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
            raise TemplateError(f"{Path(self.template).name}: {first}") from error
        titles = [f"{d['document']['title']} {d['document']['number']}" for d in data]
        return split(run, titles, [d["lang"] for d in data])

    def render(self, doc: InvoiceDocument) -> bytes:
        return self._render_run([doc])[0]

    def render_to(self, doc: InvoiceDocument, path: Path) -> RenderedPdf:
        return self.render_all([(doc, path)])[0]

    def render_all(self, jobs: Sequence[tuple[InvoiceDocument, Path]]) -> list[RenderedPdf]:
        pdfs = self.render_many([doc for doc, _ in jobs])
        rendered = []
        for (doc, path), pdf in zip(jobs, pdfs, strict=True):
            _write_atomically(path, pdf)
            rendered.append(RenderedPdf(doc.invoice_id, path, len(pdf)))
        return rendered


def _write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(content)
    partial.replace(path)


_worker_renderer: InvoiceRenderer | None = None


def _init_worker(templates_dir: Path) -> None:
    global _worker_renderer
    # Typst lays out pages on a thread pool of its own, one thread per core; with a worker per
    # core those threads only contend, and idle ones spin: one thread each is ~7% less CPU.
    # Read by the pool when Typst first uses it, so it must be set before the first compile.
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    _worker_renderer = InvoiceRenderer(templates_dir)


def _render_chunk(jobs: list[tuple[InvoiceDocument, Path]]) -> list[RenderedPdf]:
    assert _worker_renderer is not None
    return _worker_renderer.render_all(jobs)


def default_workers() -> int:
    return max(1, min(len(os.sched_getaffinity(0)), 8))


def render_files(
    jobs: Sequence[tuple[InvoiceDocument, Path]],
    *,
    workers: int | None = None,
    templates_dir: Path = TEMPLATES_DIR,
) -> list[RenderedPdf]:
    """Render each document to its path, in a pool of `workers` processes, in the given order."""
    workers = default_workers() if workers is None else workers
    if workers <= 1 or len(jobs) <= CHUNK:
        return InvoiceRenderer(templates_dir).render_all(jobs)
    chunks = [list(jobs[start : start + CHUNK]) for start in range(0, len(jobs), CHUNK)]
    rendered: list[RenderedPdf] = []
    # spawn, not fork: the caller may hold threads (Dagster) and open DuckDB connections
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(templates_dir,),
    ) as pool:
        for chunk in pool.map(_render_chunk, chunks):
            rendered.extend(chunk)
    return rendered


def render_invoices(
    docs: Iterable[InvoiceDocument],
    out_dir: Path,
    *,
    workers: int | None = None,
    templates_dir: Path = TEMPLATES_DIR,
) -> list[RenderedPdf]:
    """Render each document to `out_dir/<invoice_id>.pdf`."""
    jobs = [(doc, out_dir / f"{doc.file_stem}.pdf") for doc in docs]
    return render_files(jobs, workers=workers, templates_dir=templates_dir)
