"""Deterministic synthetic landing data for an Italian electricity and gas retailer."""

from synthetic.generator import Summary, generate

__all__ = ["Summary", "generate"]
