"""Staff operations: who is staff, invites, and the role check every staff action makes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from storage import staff as repo
from storage.clock import utcnow
from storage.db import Database
from storage.models import StaffMember, StaffRole


@dataclass(frozen=True)
class StaffInfo:
    """A staff member as plain data (what handlers and cards need)."""

    id: int
    telegram_user_id: int
    name: str
    role: str
    chat_id: int

    @property
    def actor(self) -> str:
        """How the audit trail names this person."""
        return f"staff:{self.telegram_user_id} {self.name}"

    @property
    def is_admin(self) -> bool:
        return self.role == StaffRole.admin


@dataclass(frozen=True)
class Invite:
    code: str
    role: str
    expires_at: datetime


def info(member: StaffMember) -> StaffInfo:
    assert member.id is not None
    return StaffInfo(
        id=member.id,
        telegram_user_id=member.telegram_user_id,
        name=member.name,
        role=member.role,
        # In a private chat the chat id is the user id.
        chat_id=member.chat_id or member.telegram_user_id,
    )


def require(
    session: Session, telegram_user_id: int, role: StaffRole = StaffRole.staff
) -> StaffInfo:
    """Check the staff list inside the caller's transaction; raises NotAllowed."""
    return info(repo.require_staff(session, telegram_user_id, role))


def check(db: Database, telegram_user_id: int, role: StaffRole = StaffRole.staff) -> StaffInfo:
    """Check the staff list in its own short transaction; raises NotAllowed."""
    with db.read() as session:
        return require(session, telegram_user_id, role)


def add(
    db: Database,
    *,
    telegram_user_id: int,
    name: str,
    role: StaffRole = StaffRole.staff,
    chat_id: int | None = None,
) -> StaffInfo:
    with db.session() as session:
        member = repo.add(
            session,
            telegram_user_id=telegram_user_id,
            name=name,
            role=role,
            chat_id=chat_id,
            now=utcnow(),
        )
        return info(member)


def list_all(db: Database) -> list[StaffInfo]:
    with db.read() as session:
        return [info(m) for m in repo.list_all(session)]


def remove(db: Database, telegram_user_id: int) -> bool:
    with db.session() as session:
        return repo.remove(session, telegram_user_id)


def invite(
    db: Database, *, role: StaffRole = StaffRole.staff, ttl: timedelta = repo.INVITE_TTL
) -> Invite:
    """A one-time code (shown once) that makes its sender staff with `role`."""
    with db.session() as session:
        code, row = repo.create_invite(session, role=role, now=utcnow(), ttl=ttl)
        return Invite(code=code, role=row.role, expires_at=row.expires_at)


def join(
    db: Database, *, code: str, telegram_user_id: int, name: str, chat_id: int | None
) -> StaffInfo:
    """Redeem an invite; raises InviteInvalid, InviteUsed or InviteExpired."""
    with db.session() as session:
        member = repo.redeem_invite(
            session,
            code=code,
            telegram_user_id=telegram_user_id,
            name=name,
            chat_id=chat_id,
            now=utcnow(),
        )
        return info(member)


def announce_chats(db: Database, staff_chat_id: int | None) -> list[int]:
    """Where cards go: the staff group, or else every staff member's private chat."""
    if staff_chat_id is not None:
        return [staff_chat_id]
    return [member.chat_id for member in list_all(db)]


def record_card(db: Database, *, appointment_id: int, chat_id: int, message_id: int) -> None:
    with db.session() as session:
        repo.add_card(
            session, appointment_id=appointment_id, chat_id=chat_id, message_id=message_id
        )


def cards_of(db: Database, appointment_id: int) -> list[tuple[int, int]]:
    with db.read() as session:
        return repo.cards_of(session, appointment_id)


def is_card(db: Database, chat_id: int, message_id: int) -> bool:
    with db.read() as session:
        return repo.is_card(session, chat_id, message_id)
