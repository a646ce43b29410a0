"""The staff list and one-time invites: roles, add/remove, wrong, used and expired codes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from admin import staff as staff_service
from bot.services import Services
from storage.db import Database
from storage.errors import NotAllowed
from storage.models import StaffInvite, StaffRole
from storage.staff import InviteExpired, InviteInvalid, InviteUsed
from tests.admin.conftest import ADMIN_ID, STAFF_ID, add_staff
from tests.chat import Chat


def test_roles_and_removal(db: Database) -> None:
    add_staff(db)
    assert staff_service.check(db, ADMIN_ID, StaffRole.admin).name == "Ива"
    assert staff_service.check(db, STAFF_ID).role == StaffRole.staff
    with pytest.raises(NotAllowed):
        staff_service.check(db, STAFF_ID, StaffRole.admin)
    with pytest.raises(NotAllowed):
        staff_service.check(db, 999)
    assert [m.name for m in staff_service.list_all(db)] == ["Ива", "Петър"]
    assert staff_service.remove(db, STAFF_ID)
    assert not staff_service.remove(db, STAFF_ID)
    with pytest.raises(NotAllowed):
        staff_service.check(db, STAFF_ID)


def test_invite_is_stored_hashed_and_works_once(db: Database) -> None:
    invite = staff_service.invite(db, role=StaffRole.staff)
    with db.session() as session:
        rows = list(session.exec(select(StaffInvite)))
    assert len(rows) == 1 and invite.code not in rows[0].code_hash
    member = staff_service.join(
        db,
        code=invite.code.lower().replace("-", " "),
        telegram_user_id=700,
        name="Ана",
        chat_id=700,
    )
    assert member.role == StaffRole.staff and member.chat_id == 700
    with pytest.raises(InviteUsed):
        staff_service.join(db, code=invite.code, telegram_user_id=701, name="Б", chat_id=None)
    with pytest.raises(InviteInvalid):
        staff_service.join(db, code="AAAA-BBBB-CCCC", telegram_user_id=701, name="Б", chat_id=None)
    with pytest.raises(NotAllowed):
        staff_service.check(db, 701)


def test_invite_expires(db: Database, clock: Any) -> None:
    invite = staff_service.invite(db, role=StaffRole.admin)
    clock.shift(timedelta(hours=48, seconds=1))
    with pytest.raises(InviteExpired):
        staff_service.join(db, code=invite.code, telegram_user_id=700, name="Ана", chat_id=None)


def test_invite_never_lowers_a_role(db: Database) -> None:
    add_staff(db)
    invite = staff_service.invite(db, role=StaffRole.staff)
    member = staff_service.join(
        db, code=invite.code, telegram_user_id=ADMIN_ID, name="X", chat_id=None
    )
    assert member.role == StaffRole.admin and member.name == "Ива"


async def test_join_in_telegram(services: Services, app: Any, fake_api: Any, clock: Any) -> None:
    newcomer = Chat(app, fake_api, user_id=800)
    await newcomer.send("/today")
    assert "Не успях да разбера" in newcomer.last_text()

    await newcomer.send("/staff WRONG-CODE-0000")
    assert "не е верен" in newcomer.last_text()

    invite = staff_service.invite(services.db, role=StaffRole.staff)
    await newcomer.send(f"/staff {invite.code}")
    assert "Добре дошли в екипа" in newcomer.last_text()
    assert "служител" in newcomer.last_text()
    await newcomer.send("/today")
    assert "Днес" in newcomer.last_text()

    other = Chat(app, fake_api, user_id=801)
    await other.send(f"/staff {invite.code}")
    assert "вече е използван" in other.last_text()

    late = staff_service.invite(services.db, role=StaffRole.staff)
    clock.shift(timedelta(hours=49))
    await other.send(f"/staff {late.code}")
    assert "изтекъл" in other.last_text()
    await other.send("/pending")
    assert "Не успях да разбера" in other.last_text()


async def test_start_and_help_in_the_staff_group(
    services: Services, app: Any, fake_api: Any, admin_chat: Chat
) -> None:
    """The staff group gets the staff commands, never the parents' menu keyboard."""
    for command in ("/start", "/help"):
        await admin_chat.send(command)
        reply = admin_chat.replies()
        assert len(reply) == 1 and "Команди на екипа" in reply[0].text, command
        assert "keyboard" not in str(reply[0].params.get("reply_markup") or "")
    stranger = Chat(app, fake_api, user_id=4444, chat_id=admin_chat.chat_id)
    await stranger.send("/start")
    assert stranger.replies() == []  # a non-member in a group: silence, as the fallback does
