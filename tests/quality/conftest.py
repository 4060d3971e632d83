"""Fixtures of the quality tests: one GX context for the whole session (its import is slow)."""

from __future__ import annotations

import pytest

from quality.suites import GxValidator


@pytest.fixture(scope="session")
def gx_validator() -> GxValidator:
    return GxValidator()


@pytest.fixture
def validator(gx_validator):
    """What `validate_new_files` takes: a factory, here returning the session's context."""
    return lambda: gx_validator
