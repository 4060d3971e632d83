"""Documents and delivery: invoice PDF, FatturaPA XML, pre-invoices, email, post, tracking."""
