"""Domain errors: services raise them, flows catch the expected ones and reply."""

from __future__ import annotations

from datetime import datetime


class CentreError(Exception):
    """Base of every expected, explainable refusal."""


class NotFound(CentreError):
    pass


class NotAllowed(CentreError):
    """The caller may not do this (not staff, not their appointment)."""


class InvalidTransition(CentreError):
    def __init__(self, current: str, wanted: str) -> None:
        super().__init__(f"{current} -> {wanted}")
        self.current = current
        self.wanted = wanted


class AlreadyHandled(CentreError):
    """Someone else acted first (two staff tapping at once)."""

    def __init__(self, status: str, by: str | None, at: datetime | None) -> None:
        super().__init__(status)
        self.status = status
        self.by = by
        self.at = at


class SlotTaken(CentreError):
    """The slot filled up meanwhile."""


class SlotUnavailable(CentreError):
    """Not a bookable slot: closed, past, outside hours or beyond the horizon."""


class LimitReached(CentreError):
    """The parent already has the maximum number of future active bookings."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"limit {limit}")
        self.limit = limit


class NoConsent(CentreError):
    """Personal data may not be stored without consent."""


class OfferGone(CentreError):
    """A waiting-list offer that is no longer open (taken, declined, expired, withdrawn)."""


class SurveyClosed(CentreError):
    """A survey button or comment that no longer applies (answered, stopped, not theirs)."""
