"""Data-quality gates: GX suites on bounded metering batches, SQL checks, supply-point holds."""
