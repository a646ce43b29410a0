"""Lists on a fixed clock, the opened appointment's actions, search, stats, hours, export."""

from __future__ import annotations

import csv
import io
from typing import Any

from icalendar import Calendar

from admin import export
from bot.fakeapi import FakeBotAPI
from bot.services import Services
from tests.admin.conftest import (
    ADMIN_ID,
    OTHER_PARENT_ID,
    PARENT_ID,
    STAFF_CHAT,
    add_appointment,
    add_parent,
    at,
    get_appointment,
)
from tests.chat import Chat


def _week(services: Services) -> dict[str, int]:
    maria = add_parent(services.db)
    ivan = add_parent(services.db, OTHER_PARENT_ID, name="Иван Колев", phone="+359877555444")
    return {
        "today_late": add_appointment(services.db, maria, at(23, 15, 30), status="confirmed"),
        "today_early": add_appointment(services.db, ivan, at(23, 9), status="pending"),
        "today_declined": add_appointment(
            services.db, ivan, at(23, 11), status="declined", topic="rights"
        ),
        "tomorrow": add_appointment(services.db, ivan, at(24, 13, 30), status="pending"),
        "friday": add_appointment(services.db, maria, at(27, 10), status="confirmed"),
        "next_week": add_appointment(services.db, maria, at(30, 10), status="pending"),
        "last_month": add_appointment(services.db, maria, at(20, 10, month=10), status="attended"),
    }


async def test_today_grouped_in_time_order_with_marks(
    services: Services, staff_chat: Chat
) -> None:
    ids = _week(services)
    await staff_chat.send("/today")
    text = staff_chat.last_text()
    assert "📅 понеделник, 23.11" in text
    lines = [line for line in text.splitlines() if line[:1] in "⏳✅❌" and line[2:3].isdigit()]
    assert lines == [
        "⏳ 09:00 Иван Колев · Консултация за родители",
        "❌ 11:00 Иван Колев · Информация за социални права",
        "✅ 15:30 Мария Петрова · Консултация за родители",
    ]
    assert staff_chat.callback_data("st:open:") == [
        f"st:open:{ids['today_early']}",
        f"st:open:{ids['today_declined']}",
        f"st:open:{ids['today_late']}",
    ]


async def test_tomorrow_week_pending(services: Services, staff_chat: Chat) -> None:
    ids = _week(services)
    await staff_chat.send("/tomorrow")
    assert "вторник, 24.11" in staff_chat.last_text()
    assert staff_chat.callback_data("st:open:") == [f"st:open:{ids['tomorrow']}"]

    await staff_chat.send("/week")
    text = staff_chat.last_text()
    days = [line for line in text.splitlines() if line.startswith("📅")]
    assert days == ["📅 понеделник, 23.11", "📅 вторник, 24.11", "📅 петък, 27.11"]
    assert f"st:open:{ids['next_week']}" not in staff_chat.callback_data()

    await staff_chat.send("/pending")
    assert staff_chat.callback_data("st:open:") == [
        f"st:open:{ids['today_early']}",
        f"st:open:{ids['tomorrow']}",
        f"st:open:{ids['next_week']}",
    ]


async def test_empty_day(services: Services, staff_chat: Chat) -> None:
    await staff_chat.send("/today")
    assert "Няма записани часове" in staff_chat.last_text()


async def test_opened_appointment_actions(
    services: Services, staff_chat: Chat, fake_api: FakeBotAPI
) -> None:
    ids = _week(services)
    await staff_chat.send("/today")
    await staff_chat.tap(f"st:open:{ids['today_late']}")
    actions = staff_chat.callback_data()
    assert actions == [
        f"st:att:{ids['today_late']}",
        f"st:ns:{ids['today_late']}",
        f"st:rem:{ids['today_late']}",
        f"st:mv:{ids['today_late']}",
        f"st:cx:{ids['today_late']}",
        f"st:note:{ids['today_late']}",
    ]
    await staff_chat.tap(f"st:ns:{ids['today_late']}")
    assert get_appointment(services.db, ids["today_late"]).status == "no_show"
    assert "Не дойде" in staff_chat.last_text()
    await staff_chat.tap(f"st:att:{ids['today_late']}")
    assert get_appointment(services.db, ids["today_late"]).status == "attended"

    await staff_chat.tap(f"st:note:{ids['today_late']}")
    await staff_chat.answer_prompt("Ще дойде и бащата следващия път")
    assert "Бележката е записана" in staff_chat.last_text()
    row = get_appointment(services.db, ids["today_late"])
    assert row.staff_note == "Ще дойде и бащата следващия път"


async def test_cancel_a_confirmed_one(
    services: Services, staff_chat: Chat, parent_chat: Chat
) -> None:
    ids = _week(services)
    await staff_chat.send("/today")
    await staff_chat.tap(f"st:open:{ids['today_late']}")
    await staff_chat.tap(f"st:cx:{ids['today_late']}")
    await staff_chat.tap(f"st:r:c:{ids['today_late']}:1")
    row = get_appointment(services.db, ids["today_late"])
    assert row.status == "cancelled_by_staff" and row.cancel_reason == "Специалистът отсъства"
    assert "центърът отказа часа Ви" in parent_chat.last_text()
    assert parent_chat.callback_data() == ["book:start"]


async def test_find_by_name_and_phone(services: Services, staff_chat: Chat) -> None:
    ids = _week(services)
    await staff_chat.send("/find иван")
    assert "Иван Колев" in staff_chat.last_text() and "Мария" not in staff_chat.last_text()
    await staff_chat.send("/find 0877 555")
    assert f"st:open:{ids['tomorrow']}" in staff_chat.callback_data()
    await staff_chat.send("/find Петрова")
    assert f"st:open:{ids['friday']}" in staff_chat.callback_data()
    await staff_chat.send("/find никой")
    assert "Няма записани часове" in staff_chat.last_text()


async def test_stats(services: Services, staff_chat: Chat) -> None:
    _week(services)
    await staff_chat.send("/stats")
    text = staff_chat.last_text()
    assert "ноември 2026" in text
    assert "Записвания: 6" in text and "Потвърдени: 2" in text and "Отказани: 1" in text
    assert "Консултация за родители: 5" in text
    await staff_chat.send("/stats 2026-10")
    assert "Дошли: 1" in staff_chat.last_text()
    await staff_chat.send("/stats октомври")
    assert "/stats 2026-11" in staff_chat.last_text()


async def test_hours(services: Services, staff_chat: Chat) -> None:
    await staff_chat.send("/hours")
    text = staff_chat.last_text()
    assert "понеделник: 09:00–" in text  # the seeded default hours
    assert "неделя: затворено" in text


async def test_export_in_telegram(
    services: Services, admin_chat: Chat, staff_chat: Chat, fake_api: FakeBotAPI
) -> None:
    _week(services)
    await staff_chat.send("/export")
    assert "Не успях" not in staff_chat.last_text()  # group: silent refusal
    assert not fake_api.sent("sendDocument")
    await admin_chat.send("/export")
    # Names and phones never go to the group: the file goes to the admin's private chat.
    assert not fake_api.sent("sendDocument", chat_id=STAFF_CHAT)
    assert "личния Ви чат" in admin_chat.last_text()
    document = fake_api.sent("sendDocument", chat_id=ADMIN_ID)[-1]
    name, data = document.files["document"]
    assert name == "cop-2026-11.csv"
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == list(export.COLUMNS)
    assert len(rows) == 7
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["date"] == "2026-11-23" and first["time"] == "09:00"
    assert first["name"] == "Иван Колев" and first["phone"] == "+359877555444"
    assert first["topic"] == "Консултация за родители" and first["status"] == "pending"
    assert first["status_text"] and first["status_text"] != "pending"  # readable, Bulgarian


async def test_ics_export_in_sofia_time(services: Services) -> None:
    from datetime import date

    maria = add_parent(services.db)
    # 29 March 2027 is the first Monday of summer time (EEST, UTC+3).
    add_appointment(services.db, maria, at(29, 10, month=3).replace(year=2027), status="confirmed")
    add_appointment(services.db, maria, at(24, 10), status="confirmed")
    data = export.export(services, date(2026, 11, 1), date(2027, 3, 31), "ics")
    calendar = Calendar.from_ical(data)
    starts = sorted(e.decoded("dtstart") for e in calendar.walk("VEVENT"))
    assert [(s.hour, str(s.tzinfo)) for s in starts] == [(10, "Europe/Sofia")] * 2
    assert [s.utcoffset().total_seconds() / 3600 for s in starts] == [2, 3]  # type: ignore[union-attr]
    assert calendar.walk("VTIMEZONE")


async def test_parent_ids_are_not_logged(
    services: Services, staff_chat: Chat, caplog: Any
) -> None:
    _week(services)
    await staff_chat.send("/find Мария")
    await staff_chat.send("/today")
    logged = caplog.text
    assert "Мария" not in logged and "+359888123456" not in logged
    assert PARENT_ID  # ids may be logged, names and phones never


async def test_attendance_waits_for_the_day_of_the_appointment(
    services: Services, staff_chat: Chat, fake_api: FakeBotAPI
) -> None:
    """Next week's appointment cannot be marked come or not come yet (stats stay true)."""
    ids = _week(services)
    for action in ("att", "ns"):
        await staff_chat.tap(f"st:{action}:{ids['friday']}")
        assert get_appointment(services.db, ids["friday"]).status == "confirmed"
        answer = fake_api.sent("answerCallbackQuery")[-1].params.get("text") or ""
        assert "в деня на часа" in answer
    await staff_chat.tap(f"st:att:{ids['today_late']}")  # later today: allowed
    assert get_appointment(services.db, ids["today_late"]).status == "attended"
