"""/forget forgets: the parent's appointments are anonymised at once and detached, staff
cards lose name and phone, and a later booking from the same account starts afresh."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from sqlmodel import col, select

from admin import appointments, export, notices
from admin import staff as staff_service
from bot.background import settle
from bot.fakeapi import FakeBotAPI
from bot.services import Services
from storage import booking, parents
from storage.models import Appointment, AuditEntry, Outbox, Parent, StaffRole
from tests.chat import Chat

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday 08:00 in Sofia
STAFF = 501
NAME, PHONE = "Мария Петрова", "+359888123456"


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _book(services: Services, user: int, hour: int, key: str, name: str, phone: str) -> int:
    parents.record_consent(services.db, telegram_user_id=user, chat_id=user, now=NOW)
    appointment = booking.book(
        services.db, telegram_user_id=user, chat_id=user, topic="consulting",
        note="Детето не иска да ходи на училище", start=datetime(2026, 11, 24, hour, tzinfo=UTC),
        request_key=f"{user}:{key}", tz=services.settings.tz, now=NOW, name=name, phone=phone,
        announce=notices.announcer(services),
    )  # fmt: skip
    assert appointment.id is not None
    return appointment.id


async def test_book_forget_book_again(
    chat: Chat, services: Services, fake_api: FakeBotAPI
) -> None:
    staff_service.add(services.db, telegram_user_id=STAFF, name="Ива", role=StaffRole.admin)
    declined = _book(services, chat.user_id, 8, "1", NAME, PHONE)
    pending = _book(services, chat.user_id, 9, "2", NAME, PHONE)
    appointments.add_note(
        services, appointment_id=declined, staff_user_id=STAFF, text="Майката е разстроена"
    )
    appointments.decline(
        services, appointment_id=declined, staff_user_id=STAFF, reason="Мария е болна"
    )
    await settle()
    assert any(NAME in str(c.text) for c in fake_api.sent("sendMessage"))  # cards went out

    await chat.send("/forget")
    await chat.tap("data:forget:yes")
    assert "Изтрихме" in chat.reply_texts()
    with services.db.read() as session:
        assert (
            session.exec(select(Parent).where(Parent.telegram_user_id == chat.user_id)).all() == []
        )
        for appointment_id in (declined, pending):
            row = session.get(Appointment, appointment_id)
            assert row is not None
            assert (row.parent_id, row.note, row.staff_note) == (None, None, None)
            assert (row.decline_reason, row.cancel_reason, row.request_key) == (None, None, None)
            assert row.anonymised_at is not None
        assert session.get(Appointment, pending).status == "cancelled_by_parent"  # type: ignore[union-attr]
        details = session.exec(
            select(AuditEntry.detail).where(
                col(AuditEntry.appointment_id).in_([declined, pending])
            )
        ).all()
        assert set(details) == {None}
        rows = session.exec(select(Outbox)).all()
        assert [r for r in rows if r.chat_id == chat.user_id] == []
        assert not [r for r in rows if r.text and (NAME in r.text or PHONE in r.text)]
    # The staff cards were edited: no name, no phone.
    for card_id in (declined, pending):
        edits = [c for c in fake_api.sent("editMessageText") if f"№{card_id} " in str(c.text)]
        assert edits and NAME not in str(edits[-1].text) and PHONE not in str(edits[-1].text)

    # The same Telegram account books again with another name: nothing old comes back.
    again = _book(services, chat.user_id, 12, "3", "Петя Иванова", "+359877111222")
    await settle()
    with services.db.read() as session:
        old = session.exec(
            select(Appointment).where(col(Appointment.id).in_([declined, pending]))
        ).all()
        assert {a.parent_id for a in old} == {None}
        new = session.get(Appointment, again)
        assert new is not None and new.parent_id is not None
    card = [c for c in fake_api.sent("sendMessage") if f"№{again} " in str(c.text)][-1]
    assert "1 записване досега" in str(card.text)
    data = export.export(services, date(2026, 11, 1), date(2026, 11, 30))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    by_id = {int(r["id"]): r for r in rows}
    assert (by_id[declined]["name"], by_id[declined]["phone"], by_id[declined]["note"]) == (
        "",
        "",
        "",
    )
    assert (by_id[pending]["name"], by_id[pending]["phone"]) == ("", "")
    assert by_id[again]["name"] == "Петя Иванова"
