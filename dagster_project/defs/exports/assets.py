"""Export assets: invoice PDFs, FatturaPA XML, emails, postal batch, pre-invoices, outbox."""

import time
from contextlib import contextmanager

import dagster as dg

from dagster_project.defs.billing.assets import ISSUED_INVOICES, PRE_INVOICES
from dagster_project.defs.billing.partitions import billing_partitions, month_and_lot
from dagster_project.defs.exports.resources import Exports
from dagster_project.resources import Warehouse
from exports.attachments import with_attachments
from exports.delivery import (
    existing_fatturapa,
    existing_pdfs,
    post_invoices,
    pre_invoice_workbooks,
    send_invoices,
    send_pre_invoices,
    write_fatturapa,
    write_pdfs,
)
from exports.mail import deliver_due, record_bounces_from_maildir
from exports.plans import with_instalments
from exports.warehouse import InvoiceSelection, load_invoice_documents, pre_invoices
from invoicing.lots import LOT_ACCOUNTS_TABLE, materialise_lot

PDFS = dg.AssetKey(["exports", "invoice_pdfs"])
XML = dg.AssetKey(["exports", "fatturapa_xml"])


@contextmanager
def run_scope(context: dg.AssetExecutionContext, warehouse: Warehouse):
    """A warehouse connection and the selection of the partition's invoices (month x lot)."""
    month, lot = month_and_lot(context.partition_key)
    with warehouse.connect() as con:
        # the same accounts the rating engine billed for this lot
        materialise_lot(con, lot)
        yield con, InvoiceSelection(month=month, accounts_table=LOT_ACCOUNTS_TABLE)


def run_key(context: dg.AssetExecutionContext) -> str:
    month, lot = month_and_lot(context.partition_key)
    return f"{month:%Y-%m}_{lot.id}"


def issued_documents(context, warehouse: Warehouse, exports: Exports):
    with run_scope(context, warehouse) as (con, selection):
        docs = load_invoice_documents(con, selection)
    engine = exports.engine(warehouse.data_home)
    return engine, with_attachments(engine, with_instalments(engine, docs))


@dg.asset(
    key=PDFS,
    group_name="exports",
    deps=[ISSUED_INVOICES],
    partitions_def=billing_partitions,
    kinds={"pdf", "typst"},
)
def invoice_pdfs(
    context: dg.AssetExecutionContext, warehouse: Warehouse, exports: Exports
) -> dg.MaterializeResult:
    """The PDF of every issued invoice and credit note (PR5, OM7), in the customer's language."""
    _, docs = issued_documents(context, warehouse, exports)
    paths = exports.paths(warehouse.data_home)
    new = len(docs) - len(existing_pdfs(docs, paths))
    started = time.perf_counter()
    pdfs = write_pdfs(docs, paths, workers=exports.pdf_workers)
    seconds = time.perf_counter() - started
    context.log.info(f"{len(pdfs)} PDFs ({new} rendered) in {seconds:.1f} s")
    return dg.MaterializeResult(
        metadata={
            "documents": len(pdfs),
            "rendered": new,
            "seconds": round(seconds, 2),
            "out_dir": dg.MetadataValue.path(str(paths.out_dir / "invoices")),
        }
    )


@dg.asset(
    key=XML,
    group_name="exports",
    deps=[ISSUED_INVOICES],
    partitions_def=billing_partitions,
    kinds={"xml"},
)
def fatturapa_xml(
    context: dg.AssetExecutionContext, warehouse: Warehouse, exports: Exports
) -> dg.MaterializeResult:
    """The FatturaPA XML of every issued document, validated against the official XSD."""
    engine, docs = issued_documents(context, warehouse, exports)
    schema_dir = exports.fatturapa_schema_dir()
    if schema_dir is None:
        context.log.warning("FatturaPA schema not found: XML written without validation")
    paths = exports.paths(warehouse.data_home)
    files = write_fatturapa(engine, docs, paths, schema_dir)
    return dg.MaterializeResult(
        metadata={
            "documents": len(files),
            "validated": schema_dir is not None,
            "out_dir": dg.MetadataValue.path(str(paths.out_dir / "fatturapa")),
        }
    )


@dg.asset(
    key=dg.AssetKey(["exports", "invoice_emails"]),
    group_name="exports",
    deps=[PDFS, XML],
    partitions_def=billing_partitions,
    kinds={"email"},
)
def invoice_emails(
    context: dg.AssetExecutionContext, warehouse: Warehouse, exports: Exports
) -> dg.MaterializeResult:
    """Each emailed document once: one mail per group recipient (PR2) or per document (PR3)."""
    engine, docs = issued_documents(context, warehouse, exports)
    paths = exports.paths(warehouse.data_home)
    queued, report = send_invoices(
        engine,
        docs,
        existing_pdfs(docs, paths),
        existing_fatturapa(engine, docs, paths),
        paths,
        exports.smtp(),
    )
    for error in report.errors:
        context.log.warning(f"not sent, will retry: {error}")
    return dg.MaterializeResult(
        metadata={"queued": queued, "sent": report.sent, "failed": report.failed}
    )


@dg.asset(
    key=dg.AssetKey(["exports", "postal_batch"]),
    group_name="exports",
    deps=[PDFS],
    partitions_def=billing_partitions,
    kinds={"zip"},
)
def postal_batch(
    context: dg.AssetExecutionContext, warehouse: Warehouse, exports: Exports
) -> dg.MaterializeResult:
    """The print-and-mail batch (PR7) of the documents that go on paper, one per company."""
    engine, docs = issued_documents(context, warehouse, exports)
    paths = exports.paths(warehouse.data_home)
    run = post_invoices(engine, docs, existing_pdfs(docs, paths), paths, run_key(context))
    for reason in run.rejected:
        context.log.warning(f"not posted: {reason}")
    return dg.MaterializeResult(
        metadata={
            "batches": len(run.batches),
            "letters": sum(len(b.letters) for b in run.batches),
            "pages": sum(b.pages for b in run.batches),
            "rejected": len(run.rejected),
            "zips": ", ".join(b.zip_path.name for b in run.batches),
        }
    )


@dg.asset(
    key=dg.AssetKey(["exports", "pre_invoice_emails"]),
    group_name="exports",
    deps=[PRE_INVOICES],
    partitions_def=billing_partitions,
    kinds={"email"},
)
def pre_invoice_emails(
    context: dg.AssetExecutionContext, warehouse: Warehouse, exports: Exports
) -> dg.MaterializeResult:
    """The workbook of each simulation not issued yet, mailed to the customer to check (PR1)."""
    paths = exports.paths(warehouse.data_home)
    with run_scope(context, warehouse) as (con, selection):
        docs = load_invoice_documents(con, pre_invoices(selection))
    workbooks = pre_invoice_workbooks(paths, docs)
    missing = [d.invoice_id for d in docs if d.invoice_id not in workbooks]
    if missing:
        context.log.warning(f"no pre-invoice workbook for {', '.join(missing)}")
    engine = exports.engine(warehouse.data_home)
    queued, report = send_pre_invoices(engine, docs, workbooks, paths, exports.smtp())
    for error in report.errors:
        context.log.warning(f"not sent, will retry: {error}")
    return dg.MaterializeResult(
        metadata={
            "workbooks": len(workbooks),
            "missing": len(missing),
            "queued": queued,
            "sent": report.sent,
            "failed": report.failed,
        }
    )


@dg.asset(key=dg.AssetKey(["exports", "outbox"]), group_name="exports", kinds={"email"})
def outbox(
    context: dg.AssetExecutionContext, warehouse: Warehouse, exports: Exports
) -> dg.MaterializeResult:
    """Record the bounces that came back, then send every message whose retry is due."""
    engine = exports.engine(warehouse.data_home)
    bounces = record_bounces_from_maildir(engine, exports.paths(warehouse.data_home).bounces)
    report = deliver_due(engine, exports.smtp())
    for error in report.errors:
        context.log.warning(f"not sent, will retry: {error}")
    return dg.MaterializeResult(
        metadata={"bounces": bounces, "sent": report.sent, "failed": report.failed}
    )
