"""The waiting list and the question after a visit, through the real Application."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time
from typing import Any

import pytest
import time_machine
from sqlmodel import select

from admin import hours, waitlist
from admin.staff import add as add_staff
from bot.background import settle
from bot.services import Services
from storage import booking, survey
from storage.models import (
    Appointment,
    AppointmentStatus,
    HoldState,
    Parent,
    StaffRole,
    SurveyAnswer,
    SurveyComment,
    WaitlistHold,
)
from tests.chat import Chat

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday 08:00 in Sofia
TUE_10 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # 10:00 in Sofia
BOOKER = 2001


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def full(services: Services) -> Services:
    """Only Tuesday 10:00 is open (two days ahead), and it is booked."""
    hours.set_hours(services.db, days=list(range(7)), spans=[])
    hours.set_hours(services.db, days=[1], spans=[(time(10), time(11))], horizon_days=2)
    booking.book(
        services.db, telegram_user_id=BOOKER, chat_id=BOOKER, topic="consulting", note=None,
        start=TUE_10, request_key="b", tz=services.settings.tz, now=NOW,
    )  # fmt: skip
    return services


async def join(chat: Chat, *, first_time: bool = True) -> None:
    await chat.tap("wl:join:consulting")
    assert "списъка на чакащите" in chat.last_text()
    await chat.tap("wl:day:1")
    assert [label for label, data in chat.buttons() if data == "wl:day:1"] == ["✅ Вторник"]
    assert chat.callback_data("wl:day:") == ["wl:day:1"]  # only the days the centre is open
    await chat.tap("wl:days:ok")
    await chat.tap("wl:part:any")
    if not first_time:  # consent, name and phone are known: joined at once
        return
    assert "Съгласни ли сте" in chat.last_text()
    await chat.tap("wl:consent:yes")
    await chat.send("Мария")
    await chat.send("0888 123 456")


async def cancel_booker(services: Services) -> None:
    """The booker cancels: the offer goes out through the outbox (settled here)."""
    [mine] = booking.future_for_parent(services.db, telegram_user_id=BOOKER, now=NOW)
    assert mine.id is not None
    booking.cancel_by_parent(
        services.db, telegram_user_id=BOOKER, appointment_id=mine.id, now=NOW,
        policy=services.reminder_policy,
    )  # fmt: skip
    await settle()


def hold_id(services: Services) -> int:
    with services.db.read() as session:
        hold = session.exec(select(WaitlistHold)).one()
        assert hold.id is not None
        return hold.id


async def test_join_then_take_the_offer(chat: Chat, full: Services) -> None:
    await join(chat)
    assert "Записахме Ви в списъка на чакащите: вторник, всяко време." in chat.last_text()
    assert "wl:leave" in chat.callback_data()
    entry = waitlist.entry_of(full, chat.user_id)
    assert entry is not None and entry.weekdays == (1,)
    with full.db.read() as session:
        parent = session.exec(select(Parent).where(Parent.telegram_user_id == chat.user_id)).one()
    assert parent.display_name == "Мария" and parent.phone == "+359888123456"
    await cancel_booker(full)
    assert "Освободи се час" in chat.last_text()  # through the outbox, with its buttons
    assert chat.callback_data("wl:") == [f"wl:take:{hold_id(full)}", f"wl:no:{hold_id(full)}"]
    await chat.tap(f"wl:take:{hold_id(full)}")
    assert "Заявката Ви е изпратена" in chat.last_text()
    with full.db.read() as session:
        mine = session.exec(select(Appointment).where(Appointment.parent_id == parent.id)).one()
    assert mine.status == AppointmentStatus.pending and mine.start == TUE_10
    assert waitlist.entry_of(full, chat.user_id) is None
    # The staff got the ordinary card.
    assert any("Потвърди" in str(c.params) for c in chat.fake.sent("sendMessage"))


async def test_decline_and_a_stale_offer(chat: Chat, full: Services) -> None:
    await join(chat)
    await cancel_booker(full)
    held = hold_id(full)
    await chat.tap(f"wl:no:{held}")
    assert "Оставате в списъка" in chat.last_text()
    await chat.tap(f"wl:take:{held}")
    assert "вече не е свободен" in chat.last_text()
    with full.db.read() as session:
        assert session.exec(select(WaitlistHold)).one().state == HoldState.declined


async def test_somebody_elses_offer_is_refused(chat: Chat, full: Services, app: Any) -> None:
    await join(chat)
    await cancel_booker(full)
    other = Chat(app, chat.fake, user_id=4242)
    await other.tap(f"wl:take:{hold_id(full)}")
    assert "по-старо съобщение" in other.last_text()
    assert waitlist.entry_of(full, chat.user_id) is not None and hold_id(full)


async def test_leave_and_forget(chat: Chat, full: Services) -> None:
    await join(chat)
    await chat.tap("wl:leave")
    assert "Извадихме Ви от списъка" in chat.last_text()
    await join(chat, first_time=False)
    assert "Записахме Ви" in chat.last_text()
    await chat.send("/forget")
    await chat.tap("data:forget:yes")
    assert waitlist.entry_of(full, chat.user_id) is None


async def test_no_consent_ends_kindly(chat: Chat, full: Services) -> None:
    await chat.tap("wl:join:consulting")
    await chat.tap("wl:days:ok")
    assert "поне един ден" in chat.last_text()
    await chat.tap("wl:day:3")  # closed on Thursdays: nothing ticked
    await chat.tap("wl:days:ok")
    assert "поне един ден" in chat.last_text()
    await chat.tap("wl:day:1")
    await chat.tap("wl:days:ok")
    await chat.tap("wl:part:morning")
    await chat.tap("wl:consent:no")
    assert "0373 9 10 76" in chat.last_text()
    assert waitlist.entry_of(full, chat.user_id) is None


async def test_crisis_words_are_answered_while_typing_the_name(chat: Chat, full: Services) -> None:
    await chat.tap("wl:join:consulting")
    await chat.tap("wl:day:1")
    await chat.tap("wl:days:ok")
    await chat.tap("wl:part:any")
    await chat.tap("wl:consent:yes")
    await chat.send("бие ме")
    assert "112" in chat.reply_texts()
    assert "На кой телефон" not in chat.reply_texts()  # not taken for a name: still waiting
    await chat.send("Мария")
    assert "На кой телефон" in chat.reply_texts()


async def test_staff_see_the_list_with_how_long_each_waited(
    chat: Chat, full: Services, app: Any, clock: Any
) -> None:
    add_staff(full.db, telegram_user_id=501, name="Ива", role=StaffRole.admin)
    await join(chat)
    clock.shift(60 * 60 * 30)
    staff = Chat(app, chat.fake, user_id=501, chat_id=-100500)
    await staff.send("/waitlist")
    text = staff.last_text()
    assert "Списък на чакащите (1)" in text
    assert "Мария, 0888 123 456" in text and "чака 1 ден" in text
    outsider = Chat(app, chat.fake, user_id=999)
    await outsider.send("/waitlist")
    assert "Списък на чакащите" not in outsider.last_text()


def attended_yesterday(services: Services, user: int) -> None:
    """A visit on Sunday 22 November at 10:00, marked attended."""
    with services.db.session() as session:
        parent = Parent(telegram_user_id=user, chat_id=user, consent_at=NOW)
        session.add(parent)
        session.flush()
        start = datetime(2026, 11, 22, 8, tzinfo=UTC)
        session.add(
            Appointment(
                parent_id=parent.id, topic="consulting", start=start,
                end=start.replace(hour=9), status=AppointmentStatus.attended,
            )
        )  # fmt: skip


async def test_survey_score_comment_and_stats(chat: Chat, services: Services, app: Any) -> None:
    attended_yesterday(services, chat.user_id)
    [invite] = survey.ask_after_visits(services.db, services.reminder_policy)
    await settle()  # the question goes out through the outbox
    assert "Доколко полезна" in chat.last_text()
    assert chat.callback_data("sv:") == [f"sv:{invite}:{n}" for n in (1, 2, 3, 4, 5, "stop")]
    await chat.tap(f"sv:{invite}:4")
    assert "едно изречение" in chat.last_text()
    await chat.send("бие ме")  # crisis words: the numbers, and never kept as a comment
    assert "112" in chat.reply_texts()
    await chat.send("Много ни помогнаха")
    assert "Благодарим Ви за отзива" in chat.last_text()
    await chat.tap(f"sv:{invite}:5")
    assert "Вече получихме" in chat.last_text()
    with services.db.read() as session:
        assert [a.score for a in session.exec(select(SurveyAnswer)).all()] == [4]
        assert [c.text for c in session.exec(select(SurveyComment)).all()] == [
            "Много ни помогнаха"
        ]
    add_staff(services.db, telegram_user_id=501, name="Ива", role=StaffRole.admin)
    staff = Chat(app, chat.fake, user_id=501, chat_id=-100500)
    await staff.send("/stats 2026-11")
    assert "Отзиви след срещите за ноември 2026: 1" in staff.last_text()
    assert (
        "Средна оценка: 4.0" in staff.last_text() and "„Много ни помогнаха“" in staff.last_text()
    )


async def test_survey_opt_out(chat: Chat, services: Services) -> None:
    attended_yesterday(services, chat.user_id)
    [invite] = survey.ask_after_visits(services.db, services.reminder_policy)
    await settle()
    await chat.tap(f"sv:{invite}:stop")
    assert "Няма да Ви задаваме" in chat.last_text()
    with services.db.read() as session:
        assert session.exec(select(Parent)).one().no_surveys_at is not None


async def test_from_the_booking_day_step(chat: Chat, services: Services) -> None:
    await chat.send("/book")
    await chat.tap("book:topic:consulting")
    await chat.tap("book:skip")
    await chat.press("Няма удобен час")
    assert "Кои дни от седмицата" in chat.last_text()
    await chat.tap("wl:day:0")
    await chat.tap("wl:days:ok")
    await chat.tap("wl:part:afternoon")
    await chat.tap("wl:consent:yes")
    await chat.send("Мария")  # the booking conversation has ended: the name is ours
    assert "телефон" in chat.reply_texts()
    await chat.send("0888 123 456")
    entry = waitlist.entry_of(services, chat.user_id)
    assert entry is not None and entry.topic == "consulting" and entry.part_of_day == "afternoon"


async def test_from_the_booking_time_step(chat: Chat, services: Services) -> None:
    await chat.send("/book")
    await chat.tap("book:topic:consulting")
    await chat.tap("book:skip")
    await chat.tap(next(d for d in chat.callback_data("book:day:")))
    assert "Изберете час" in chat.last_text()
    await chat.press("Няма удобен час")
    assert "Кои дни от седмицата" in chat.last_text()


async def test_no_free_place_in_the_horizon_offers_the_list(chat: Chat, full: Services) -> None:
    await chat.send("/book")
    await chat.tap("book:topic:consulting")
    await chat.tap("book:skip")
    assert "списъка на чакащите" in chat.reply_texts()
    offered = [d for call in chat.replies() for _label, d in call.buttons() if d]
    assert offered == ["wl:join:consulting"]


async def test_my_bookings_shows_the_place_on_the_list(chat: Chat, full: Services) -> None:
    await join(chat)
    await chat.send("🗓 Моите часове")
    assert "Вие сте в списъка на чакащите: вторник, всяко време" in chat.last_text()
    await chat.tap("wl:leave")
    assert waitlist.entry_of(full, chat.user_id) is None


def test_many_long_comments_fit_one_message(services: Services) -> None:
    from admin.telegram.waitlist import survey_text

    with services.db.session() as session:
        for n in range(40):
            session.add(SurveyAnswer(day=datetime(2026, 11, 1 + n % 28).date(), score=1 + n % 5))
            session.add(SurveyComment(day=datetime(2026, 11, 1 + n % 28).date(), text="д" * 500))
    text = survey_text(survey.month_stats(services.db, datetime(2026, 11, 1).date()))
    assert len(text) < 3000 and "… и още 36 коментара" in text
    assert "Отзиви след срещите за ноември 2026: 40" in text
