"""Public holidays come from the `holidays` package run in a child process, cached per year."""

from __future__ import annotations

from datetime import date

import pytest

from storage import public_holidays


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(public_holidays, "_known", {})


def test_the_child_gives_what_the_package_gives() -> None:
    public_holidays.warm([2026, 2027])
    assert public_holidays.for_year(2026) == public_holidays._in_this_process([2026])[2026]
    assert public_holidays.holiday(date(2027, 5, 3)) == "Великден"
    assert public_holidays.holiday(date(2026, 3, 3))  # Ден на Освобождението
    assert public_holidays.holiday(date(2026, 3, 4)) is None


def test_a_child_that_cannot_run_falls_back_to_this_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(public_holidays, "PYTHON", "/nonexistent/python")
    assert public_holidays.holiday(date(2026, 12, 25))
    assert 2026 in public_holidays._known
