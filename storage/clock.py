"""The one clock of the service floor: aware UTC, patchable by time-machine in tests."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
