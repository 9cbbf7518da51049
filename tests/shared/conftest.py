"""Pure rules: no app, no database (the suite-wide database cleanup does not apply here)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def clean_database() -> None:
    """Overrides the suite's database cleanup: these tests touch no database."""
