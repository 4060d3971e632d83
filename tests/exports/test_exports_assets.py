"""The export assets, materialised against a contract-shaped warehouse and a real SMTP server."""

from __future__ import annotations

import email
import email.policy
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import dagster as dg
import pytest
from exports_fixtures import build_warehouse, instalment_amounts, normalised, pdf_text
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from dagster_project.defs.billing.assets import pre_invoices
from dagster_project.defs.billing.partitions import partition_key
from dagster_project.defs.exports import assets as export_assets
from dagster_project.defs.exports.resources import Exports
from dagster_project.resources import Warehouse
from exports.i18n import Labels

PARTITIONED = [
    export_assets.invoice_pdfs,
    export_assets.fatturapa_xml,
    export_assets.invoice_emails,
    export_assets.postal_batch,
    export_assets.pre_invoice_emails,
]
EXPORT_ASSETS = [*PARTITIONED, export_assets.outbox]
# the fixture's accounts are all monthly: persons in the domestic lot, companies in business
LOTS = ("C01-monthly-domestic", "C01-monthly-business")


def add_plan(store_url: str, invoice_id: str, total: Decimal) -> list[Decimal]:
    """An instalment plan as invoicing keeps it, in the store's own tables."""
    from energia.store.models import Base, Instalment, InstalmentPlan

    engine = create_engine(store_url)
    Base.metadata.create_all(engine)
    amounts = instalment_amounts(total, 3)
    with Session(engine) as session, session.begin():
        session.add(
            InstalmentPlan(
                invoice_id=invoice_id,
                company_id="C01",
                principal=total,
                annual_rate=Decimal(0),
                created_at=datetime.now(UTC),
                instalments=[
                    Instalment(
                        sequence=n + 1,
                        due_date=date(2025, 5 + n, 4),
                        principal=a,
                        interest=Decimal(0),
                        amount=a,
                    )
                    for n, a in enumerate(amounts)
                ],
            )
        )
    engine.dispose()
    return amounts


@pytest.fixture
def home(tmp_path):
    invoices = build_warehouse(tmp_path / "warehouse.duckdb")
    return tmp_path, {i.invoice_id: i for i in invoices}


def materialize(home, smtp_server, schema_dir) -> list[dg.ExecuteInProcessResult]:
    """Each lot's partition of March 2025 (with invoicing's pre-invoice workbooks), then the
    outbox."""
    resources = {
        "warehouse": Warehouse(data_home=str(home)),
        "exports": Exports(
            smtp_host=smtp_server.config.host,
            smtp_port=smtp_server.config.port,
            smtp_sender=smtp_server.config.sender,
            schema_dir=str(schema_dir),
            pdf_workers=1,
        ),
    }
    runs = [
        dg.materialize(
            [pre_invoices, *PARTITIONED],
            resources=resources,
            partition_key=partition_key(date(2025, 3, 1), lot),
        )
        for lot in LOTS
    ]
    return [*runs, dg.materialize([export_assets.outbox], resources=resources)]


@pytest.mark.slow
def test_export_assets_write_send_and_post(home, smtp_server, schema_dir):
    data_home, invoices = home
    store_url = f"sqlite:///{data_home / 'operational.sqlite'}"
    plan = add_plan(store_url, "C01-INV-2", invoices["C01-INV-2"].total)

    results = materialize(data_home, smtp_server, schema_dir)
    assert all(r.success for r in results)
    done = {
        e.asset_key.to_user_string() for r in results for e in r.get_asset_materialization_events()
    }
    assert {a.key.to_user_string() for a in EXPORT_ASSETS} <= done

    out = data_home / "out"
    issued = [i for i in invoices.values() if i.status == "issued"]
    pdfs = sorted((out / "invoices").rglob("*.pdf"))
    assert len(pdfs) == len(issued)
    assert len(list((out / "fatturapa").rglob("*.xml"))) == len(issued)
    text = pdf_text(next(p for p in pdfs if p.stem == "C01-INV-2"))
    labels = Labels("en")
    assert all(labels.money(a) in text for a in plan)  # the plan from the store is printed

    received = [
        email.message_from_bytes(r.content, policy=email.policy.default)
        for r in smtp_server.recorder.received
    ]
    names = {part.get_filename() for m in received for part in m.iter_attachments()}
    assert {"C01-INV-1.pdf", "C01-INV-4.pdf", "C01-INV-5.pdf"} <= names
    assert any(n.endswith("C01-DR-1.xlsx") for n in names)  # the pre-invoice

    batches = sorted((out / "postal").glob("*.zip"))
    assert len(batches) == len(LOTS)  # one batch per run, and each lot has a letter
    manifests = ""
    for batch in batches:
        with zipfile.ZipFile(batch) as archive:
            manifests += archive.read("manifest.csv").decode()
    assert "C01-INV-3" in manifests and "C01-INV-6" in manifests
    assert normalised(Labels("it").money(invoices["C01-INV-1"].total)) in pdf_text(
        next(p for p in pdfs if p.stem == "C01-INV-1")
    )

    count = len(smtp_server.recorder.received)
    assert all(r.success for r in materialize(data_home, smtp_server, schema_dir))
    assert len(smtp_server.recorder.received) == count  # a re-run sends nothing twice
    assert sorted((out / "postal").glob("*.zip")) == batches


@pytest.mark.slow
def test_the_code_location_loads_the_exports(dbt_manifest, tmp_path):
    from dagster_project.definitions import defs

    keys = {k.to_user_string() for k in defs.resolve_all_asset_keys()}
    assert {a.key.to_user_string() for a in EXPORT_ASSETS} <= keys
    assert defs.resolve_job_def("outbox_retry") is not None
    assert defs.resolve_schedule_def("outbox_retry_schedule").job_name == "outbox_retry"
    billing_run = defs.resolve_job_def("billing_run")
    assert {a.key for a in PARTITIONED} <= set(billing_run.asset_layer.executable_asset_keys)
    # the retry job runs on another data home with the code location's own exports resource
    result = defs.resolve_job_def("outbox_retry").execute_in_process(
        resources={"warehouse": Warehouse(data_home=str(tmp_path))}
    )
    assert result.success
    assert (tmp_path / "operational.sqlite").exists()
