"""Instalment plans, read from the operational store where invoicing keeps them (IN5)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine, bindparam, inspect, text

from exports.documents import Instalment, InvoiceDocument

PLAN_TABLES = ("instalment_plans", "instalments")
# the latest plan of each invoice: a new plan replaces an earlier one
LATEST_PLANS = text(
    """
    SELECT plan.invoice_id, row.sequence, row.due_date, row.amount
    FROM instalment_plans AS plan
    JOIN instalments AS row ON row.plan_id = plan.id
    WHERE plan.invoice_id IN :ids
      AND plan.id = (
          SELECT max(other.id) FROM instalment_plans AS other
          WHERE other.invoice_id = plan.invoice_id
      )
    ORDER BY plan.invoice_id, row.sequence
    """
).bindparams(bindparam("ids", expanding=True))
BATCH = 500  # invoice ids per query: SQLite caps the bound parameters of one statement


def with_instalments(engine: Engine, docs: Iterable[InvoiceDocument]) -> list[InvoiceDocument]:
    """Each document with its instalment plan; a store not migrated yet has no plans."""
    docs = list(docs)
    tables = set(inspect(engine).get_table_names())
    if not docs or not set(PLAN_TABLES) <= tables:
        return docs
    ids = [d.invoice_id for d in docs]
    plans: dict[str, list[Instalment]] = defaultdict(list)
    with engine.connect() as con:
        for start in range(0, len(ids), BATCH):
            for invoice_id, sequence, due_date, amount in con.execute(
                LATEST_PLANS, {"ids": ids[start : start + BATCH]}
            ):
                # SQLite keeps the store's dates and exact amounts as text
                plans[invoice_id].append(
                    Instalment(
                        int(sequence),
                        due_date if isinstance(due_date, date) else date.fromisoformat(due_date),
                        Decimal(str(amount)),
                    )
                )
    return [
        replace(d, instalments=tuple(plans[d.invoice_id])) if d.invoice_id in plans else d
        for d in docs
    ]
