"""Render one invoice to a PDF file, to check an edited template: `python -m exports.preview`."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import duckdb

from energia.settings import get_settings
from exports.i18n import LANGUAGES, TEMPLATES_DIR
from exports.pdf import InvoiceRenderer, TemplateError
from exports.samples import sample_invoice
from exports.warehouse import InvoiceSelection, load_invoice_documents

EVERY_STATUS = ("draft", "checked", "approved", "on_hold", "issued")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m exports.preview", description=__doc__)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--invoice", help="an invoice id of the warehouse (read-only)")
    source.add_argument("--sample", type=int, default=1, help="a made-up invoice, by number")
    parser.add_argument("--language", choices=LANGUAGES, help="override the customer's")
    parser.add_argument("--templates", type=Path, default=TEMPLATES_DIR, help="template folder")
    parser.add_argument("--out", type=Path, default=Path("preview.pdf"))
    args = parser.parse_args(argv)

    if args.invoice:
        con = duckdb.connect(str(get_settings().warehouse_path), read_only=True)
        try:
            selection = InvoiceSelection(invoice_ids=(args.invoice,), statuses=EVERY_STATUS)
            docs = load_invoice_documents(con, selection)
        finally:
            con.close()
        if not docs:
            print(f"invoice: {args.invoice} is not in the warehouse", file=sys.stderr)
            return 2
        doc = docs[0]
    else:
        doc = sample_invoice(args.sample, language=args.language or "it")
    if args.language:
        doc = replace(doc, customer=replace(doc.customer, language=args.language))
    try:
        pdf = InvoiceRenderer(args.templates).render(doc)
    except TemplateError as error:
        print(error, file=sys.stderr)
        return 1
    args.out.write_bytes(pdf)
    print(f"{args.out} ({len(pdf) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
