"""Billing domain: the rating rules, billing cases and the set-based rating engine."""
