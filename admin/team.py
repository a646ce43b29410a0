"""The team, changed by an admin (the web desk's Екип): roles and removals, audited.

An admin cannot remove themselves or take away the last admin's role, so the centre is
never left without someone who can add people again. A removed person's Telegram staff
commands and web sessions stop at once: both check the staff list on every call.
"""

from __future__ import annotations

from sqlmodel import Session, select

from admin import staff as staff_service
from admin.staff import StaffInfo
from storage import appointments as repo
from storage import staff as staff_repo
from storage.clock import utcnow
from storage.db import Database
from storage.errors import CentreError, NotFound
from storage.models import StaffMember, StaffRole


class LastAdmin(CentreError):
    """The change would leave the centre without an admin (or remove oneself)."""


def _admins(session: Session) -> int:
    rows = session.exec(select(StaffMember).where(StaffMember.role == StaffRole.admin))
    return len(list(rows))


def set_role(
    db: Database, *, by_user_id: int, telegram_user_id: int, role: StaffRole
) -> StaffInfo:
    """Admin: change someone's role."""
    with db.session() as session:
        admin = staff_service.require(session, by_user_id, StaffRole.admin)
        member = staff_repo.get(session, telegram_user_id)
        if member is None:
            raise NotFound(f"staff {telegram_user_id}")
        if member.role == StaffRole.admin and role != StaffRole.admin and _admins(session) <= 1:
            raise LastAdmin("the last admin")
        member.role = role
        session.add(member)
        repo.audit(
            session,
            appointment_id=None,
            actor=admin.actor,
            action="staff_role",
            detail=f"{telegram_user_id} {role}",
            now=utcnow(),
        )
        session.flush()
        return staff_service.info(member)


def remove(db: Database, *, by_user_id: int, telegram_user_id: int) -> None:
    """Admin: remove someone (not oneself)."""
    with db.session() as session:
        admin = staff_service.require(session, by_user_id, StaffRole.admin)
        if telegram_user_id == by_user_id:
            raise LastAdmin("not oneself")
        if not staff_repo.remove(session, telegram_user_id):
            raise NotFound(f"staff {telegram_user_id}")
        repo.audit(
            session,
            appointment_id=None,
            actor=admin.actor,
            action="staff_remove",
            detail=str(telegram_user_id),
            now=utcnow(),
        )
