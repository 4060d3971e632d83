"""Invoicing: lots, the invoice workflow, checks, numbering, pre-invoices and corrections."""
