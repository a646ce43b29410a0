"""PostgreSQL advisory locks in the project's own key space.

The two-integer form `pg_advisory_xact_lock(namespace, key)` with a fixed namespace per kind
of lock: another application sharing the database (which uses the one-bigint form, or other
namespaces) never waits on ours, and our parents and slots never collide with each other.
"""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum

from sqlalchemy import text
from sqlmodel import Session


class LockSpace(IntEnum):
    """Namespaces: "COP" in ASCII (0x434F50) and a kind byte, as positive int4."""

    parent = 0x434F5001
    slot = 0x434F5002
    waitlist = 0x434F5003


def _int4(value: int) -> int:
    """Fold any integer (Telegram ids are 64-bit) into PostgreSQL's signed int4.

    Two values that fold to the same key only wait for each other: correct, just slower.
    """
    folded = (value ^ (value >> 32)) & 0xFFFFFFFF
    return folded - (1 << 32) if folded >= (1 << 31) else folded


def advisory_lock(session: Session, space: LockSpace, key: int) -> None:
    """Hold the lock until the transaction ends (PostgreSQL only; SQLite serialises anyway)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.connection().execute(
        text("SELECT pg_advisory_xact_lock(:space, :key)"),
        {"space": int(space), "key": _int4(key)},
    )


def try_advisory_lock(session: Session, space: LockSpace, key: int) -> bool:
    """The lock if nobody holds it now (PostgreSQL); SQLite serialises anyway: True."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    got = session.connection().execute(
        text("SELECT pg_try_advisory_xact_lock(:space, :key)"),
        {"space": int(space), "key": _int4(key)},
    )
    return bool(got.scalar())


def slot_key(start: datetime) -> int:
    """A slot's key in `LockSpace.slot`: its start in Unix minutes (booking and the waiting
    list must lock the same slot with the same key)."""
    return int(start.timestamp()) // 60
