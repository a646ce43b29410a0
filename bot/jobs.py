"""Scheduled work on PTB's JobQueue: reminder dispatch and the nightly retention run."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application


def schedule(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register the repeating jobs (issue 6 fills this in)."""
    return None
