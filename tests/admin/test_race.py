"""Two staff confirming at once, from two threads, on SQLite and PostgreSQL: one wins."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from admin import appointments
from admin.staff import add
from bot.centre import content_for
from bot.services import Services
from storage.db import Database
from storage.errors import AlreadyHandled, SlotTaken
from storage.models import AuditEntry, StaffRole
from tests.admin.conftest import ADMIN_ID, STAFF_ID, add_appointment, add_parent, at
from tests.conftest import make_settings


@pytest.fixture
def svc(db: Database, db_url: str) -> Services:
    settings = make_settings(db_url)
    add(db, telegram_user_id=ADMIN_ID, name="Ива", role=StaffRole.admin)
    add(db, telegram_user_id=STAFF_ID, name="Петър", role=StaffRole.staff)
    return Services(settings=settings, content=content_for(settings.centre), db=db)


def _race(target: Any, *args_list: tuple[Any, ...]) -> list[Any]:
    barrier = threading.Barrier(len(args_list))
    results: list[Any] = [None] * len(args_list)

    def run(index: int, args: tuple[Any, ...]) -> None:
        barrier.wait()
        try:
            results[index] = target(*args)
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(args_list)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_two_staff_confirm_at_once(svc: Services) -> None:
    parent = add_parent(svc.db)
    appointment_id = add_appointment(svc.db, parent, at(24, 10))

    def confirm(user: int) -> Any:
        return appointments.confirm(svc, appointment_id=appointment_id, staff_user_id=user)

    results = _race(confirm, (ADMIN_ID,), (STAFF_ID,))
    wins = [r for r in results if isinstance(r, appointments.AppointmentView)]
    losses = [r for r in results if isinstance(r, AlreadyHandled)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert losses[0].by == wins[0].handled_by and losses[0].at == wins[0].handled_at
    with svc.db.session() as session:
        from sqlmodel import select

        confirmations = list(
            session.exec(select(AuditEntry).where(AuditEntry.to_status == "confirmed"))
        )
    assert len(confirmations) == 1


def test_confirm_against_decline(svc: Services) -> None:
    parent = add_parent(svc.db)
    appointment_id = add_appointment(svc.db, parent, at(24, 10))
    results = _race(
        lambda act, user: act(svc, appointment_id=appointment_id, staff_user_id=user),
        (appointments.confirm, ADMIN_ID),
        (lambda *a, **k: appointments.decline(*a, **k, reason="Специалистът отсъства"), STAFF_ID),
    )
    wins = [r for r in results if isinstance(r, appointments.AppointmentView)]
    assert len(wins) == 1 and sum(isinstance(r, AlreadyHandled) for r in results) == 1
    assert wins[0].status in ("confirmed", "declined")


def test_two_parents_accept_proposals_for_one_place(svc: Services) -> None:
    first = add_parent(svc.db)
    second = add_parent(svc.db, 1002, name="Иван", phone="+359877555444")
    a = add_appointment(svc.db, first, at(24, 10))
    b = add_appointment(svc.db, second, at(24, 11))
    for appointment_id in (a, b):
        appointments.propose(
            svc, appointment_id=appointment_id, staff_user_id=STAFF_ID, start=at(25, 9)
        )

    def accept(appointment_id: int, user: int) -> Any:
        return appointments.accept_proposal(
            svc, appointment_id=appointment_id, parent_user_id=user
        )

    results = _race(accept, (a, 1001), (b, 1002))
    assert sum(isinstance(r, appointments.AppointmentView) for r in results) == 1
    assert sum(isinstance(r, SlotTaken) for r in results) == 1
