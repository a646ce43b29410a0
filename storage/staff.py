"""Staff members and one-time invites: the staff list every staff action checks."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, select

from storage.errors import CentreError, NotAllowed
from storage.models import StaffCard, StaffInvite, StaffMember, StaffRole

# Unambiguous letters and digits (no 0/O, 1/I/L): codes are read off a screen and retyped.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
INVITE_TTL = timedelta(hours=48)
_RANK = {StaffRole.staff: 1, StaffRole.admin: 2}


class InviteInvalid(CentreError):
    """No invite has this code."""


class InviteExpired(CentreError):
    """The invite's time ran out."""


class InviteUsed(CentreError):
    """The invite was already used once."""


def parse_role(value: str) -> StaffRole:
    """`staff` or `admin`; anything else is a ValueError."""
    try:
        return StaffRole(value.strip().lower())
    except ValueError as exc:
        raise ValueError(f"unknown role: {value!r} (staff or admin)") from exc


def role_allows(have: str, need: str) -> bool:
    """An admin may do everything staff may do."""
    return _RANK.get(StaffRole(have), 0) >= _RANK[StaffRole(need)]


def get(session: Session, telegram_user_id: int) -> StaffMember | None:
    return session.exec(
        select(StaffMember).where(StaffMember.telegram_user_id == telegram_user_id)
    ).first()


def require_staff(
    session: Session, telegram_user_id: int, role: StaffRole = StaffRole.staff
) -> StaffMember:
    """The staff member with at least `role`, or NotAllowed."""
    member = get(session, telegram_user_id)
    if member is None or not role_allows(member.role, role):
        raise NotAllowed(f"user is not {role}")
    return member


def add(
    session: Session,
    *,
    telegram_user_id: int,
    name: str,
    role: StaffRole = StaffRole.staff,
    chat_id: int | None = None,
    now: datetime,
) -> StaffMember:
    """Add a staff member, or update the name and role of an existing one."""
    member = get(session, telegram_user_id)
    if member is None:
        member = StaffMember(telegram_user_id=telegram_user_id, name=name, added_at=now)
    member.name = name
    member.role = role
    if chat_id is not None:
        member.chat_id = chat_id
    session.add(member)
    session.flush()
    return member


def list_all(session: Session) -> list[StaffMember]:
    return list(session.exec(select(StaffMember).order_by(StaffMember.name)))


def remove(session: Session, telegram_user_id: int) -> bool:
    """Remove by Telegram id; False when there was nobody to remove."""
    member = get(session, telegram_user_id)
    if member is None:
        return False
    session.delete(member)
    session.flush()
    return True


def _normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def hash_code(code: str) -> str:
    """Codes are random and long, so a plain SHA-256 of the normalised code is enough."""
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def new_code() -> str:
    """A random code shown once, grouped for reading: ABCD-EFGH-JKMN."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def create_invite(
    session: Session,
    *,
    role: StaffRole = StaffRole.staff,
    now: datetime,
    ttl: timedelta = INVITE_TTL,
) -> tuple[str, StaffInvite]:
    """Store the hash of a fresh code; the plain code is returned once and never stored."""
    code = new_code()
    invite = StaffInvite(code_hash=hash_code(code), role=role, expires_at=now + ttl)
    session.add(invite)
    session.flush()
    return code, invite


def redeem_invite(
    session: Session,
    *,
    code: str,
    telegram_user_id: int,
    name: str,
    chat_id: int | None,
    now: datetime,
) -> StaffMember:
    """Use an invite once: the sender becomes staff with the invite's role (never lowered)."""
    invite = session.exec(
        select(StaffInvite).where(StaffInvite.code_hash == hash_code(code)).with_for_update()
    ).first()
    if invite is None:
        raise InviteInvalid("no such code")
    if invite.used_at is not None:
        raise InviteUsed("code already used")
    if invite.expires_at <= now:
        raise InviteExpired("code expired")
    invite.used_at = now
    invite.used_by = telegram_user_id
    session.add(invite)
    existing = get(session, telegram_user_id)
    role = StaffRole(invite.role)
    if existing is not None and role_allows(existing.role, role):
        role = StaffRole(existing.role)
        name = existing.name
    return add(
        session, telegram_user_id=telegram_user_id, name=name, role=role, chat_id=chat_id, now=now
    )


# --- where cards were posted (edited in place on every change) ------------------------------


def add_card(session: Session, *, appointment_id: int, chat_id: int, message_id: int) -> None:
    exists = session.exec(
        select(StaffCard).where(StaffCard.chat_id == chat_id, StaffCard.message_id == message_id)
    ).first()
    if exists is None:
        session.add(
            StaffCard(appointment_id=appointment_id, chat_id=chat_id, message_id=message_id)
        )


def cards_of(session: Session, appointment_id: int) -> list[tuple[int, int]]:
    """(chat id, message id) of every card of the appointment."""
    rows = session.exec(select(StaffCard).where(StaffCard.appointment_id == appointment_id))
    return [(row.chat_id, row.message_id) for row in rows]


def is_card(session: Session, chat_id: int, message_id: int) -> bool:
    return (
        session.exec(
            select(StaffCard).where(
                StaffCard.chat_id == chat_id, StaffCard.message_id == message_id
            )
        ).first()
        is not None
    )
