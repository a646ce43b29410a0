"""Dates as staff type them: 24.12.2026, 24.12 (this year or the next), 2026-12-24."""

from __future__ import annotations

from datetime import date


def parse_day(text: str, today: date) -> date:
    """A calendar day from staff's typing; ValueError when it is not one."""
    value = text.strip().rstrip(".").removesuffix(" г").strip()
    if "-" in value:
        return date.fromisoformat(value)
    parts = [p for p in value.split(".") if p]
    if len(parts) == 3:
        day, month, year = (int(p) for p in parts)
        return date(year + 2000 if year < 100 else year, month, day)
    if len(parts) == 2:
        day, month = (int(p) for p in parts)
        candidate = date(today.year, month, day)
        # "24.12" said in late December means this year; "05.01" then means the next one.
        return candidate if candidate >= today else date(today.year + 1, month, day)
    raise ValueError(f"not a date: {text!r}")
