"""Telegram assistant of a Център за обществена подкрепа (ЦОП)."""

__version__ = "0.1.0"
