"""Journeys in Ukrainian, Arabic, Dari and Turkish through the fake Bot API: greeting, menu,
referral guide, a booking to its summary, a reminder, the emergency numbers; the language
choice; and right-to-left messages whose numbers, times and phones read in order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import phonenumbers
import pytest
import time_machine
from bidi import get_display
from sqlmodel import select

from admin.telegram.outbox import dispatch
from bot.bidi import is_rtl, unshape
from bot.fakeapi import FakeBotAPI
from bot.flows.language import CHOOSE_IN_EVERY_LANGUAGE
from bot.i18n import LANGUAGE_AUTONYMS, SUPPORTED_LANGUAGES
from bot.services import Services
from storage import parents
from storage.appointments import transition
from storage.models import Appointment, AppointmentStatus
from tests.chat import Chat

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday 08:00 in Sofia
EVENING = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # 18:00 in Sofia: the day-before reminder

# What each language must show (the catalogs' own words), step by step.
EXPECT: dict[str, dict[str, str]] = {
    "uk": {
        "hello": "Вітаємо!",
        "book": "📅 Запишіться",
        "referral": "📄 Направлення від ДСП",
        "emergency": "🆘 Екстрена допомога",
        "guide": "Дирекція соціальної допомоги",
        "day": "вівторок, 24 листопада",
        "summary": "Будь ласка, перевірте:",
        "booked": "✅ Вашу заявку надіслано:",
        "reminder": "Нагадування: завтра, вівторок, 24 листопада, о 10:00.",
        "coming": "Прийду",
        "free": "безкоштовно, цілодобово",
        "typed": "Чоловік мене б'є, я боюся",
        "question": "скільки коштує?",
        "answer": "безкоштовні",
    },
    "ar": {
        "hello": "مرحبًا!",
        "book": "📅 احجزوا موعدًا",
        "referral": "📄 إحالة من ДСП",
        "emergency": "🆘 مساعدة عاجلة",
        "guide": "ДСП (مديرية المساعدة الاجتماعية)",
        "day": "الثلاثاء، 24 نوفمبر",
        "summary": "يُرجى التحقق:",
        "booked": "✅ أُرسل طلبكم:",
        "reminder": "تذكير: غدًا، الثلاثاء، 24 نوفمبر، الساعة 10:00.",
        "coming": "سأحضر",
        "free": "مجانًا، على مدار الساعة",
        "typed": "زوجي يضربني وأنا خائفة",
        "question": "كم السعر؟",
        "answer": "مجانية",
    },
    "fa": {
        "hello": "سلام!",
        "book": "📅 نوبت بگیرید",
        "referral": "📄 معرفی‌نامه از ДСП",
        "emergency": "🆘 کمک عاجل",
        "guide": "ДСП (ریاست کمک‌های اجتماعی)",
        "day": "سه‌شنبه 24 نومبر",
        "summary": "لطفاً بررسی کنید:",
        "booked": "✅ درخواست شما فرستاده شد:",
        "reminder": "یادآوری: فردا، سه‌شنبه 24 نومبر، ساعت 10:00.",
        "coming": "می‌آیم",
        "free": "رایگان، شبانه‌روزی",
        "typed": "شوهرم مرا میزند",
        "question": "قیمت چند است؟",
        "answer": "رایگان",
    },
    "tr": {
        "hello": "Merhaba!",
        "book": "📅 Randevu alın",
        "referral": "📄 ДСП sevk belgesi",
        "emergency": "🆘 Acil yardım",
        "guide": "ДСП'den (Sosyal Yardım Müdürlüğü)",
        "day": "24 Kasım Salı",
        "summary": "Lütfen kontrol edin:",
        "booked": "✅ Talebiniz gönderildi:",
        "reminder": "Hatırlatma: yarın, 24 Kasım Salı, saat 10:00.",
        "coming": "Geleceğim",
        "free": "ücretsiz, 7/24",
        "typed": "kocam beni dovuyor",
        "question": "Ücret ne kadar?",
        "answer": "ücretsiz",
    },
}
STAFF_NAMES = {"uk": "🌐 украински", "ar": "🌐 арабски", "fa": "🌐 дари", "tr": "🌐 турски"}
# Runs the bidirectional algorithm would turn around in a right-to-left line.
NUMBER_RUN = re.compile(r"\+?\d(?:[\d.:/]*\d)?(?:[ \-–/]+\+?\d(?:[\d.:/]*\d)?)+")


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def read(chat: Chat) -> str:
    """The last message as a person reads it (direction marks taken out)."""
    return unshape(chat.last_text())


def displayed_in_order(text: str) -> list[str]:
    """Number runs of a message that a right-to-left display would scramble (none wanted)."""
    scrambled = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        shown = unshape(get_display(line, base_dir="R" if is_rtl(text) else "L"))
        scrambled += [run for run in NUMBER_RUN.findall(unshape(line)) if run not in shown]
    return scrambled


def phones_in(text: str) -> list[str]:
    """Phone numbers as libphonenumber's matcher (Android's links) finds them."""
    return [m.raw_string for m in phonenumbers.PhoneNumberMatcher(text, "BG")]


def rtl_texts(fake: FakeBotAPI) -> list[str]:
    return [c.text for c in fake.calls if c.text and is_rtl(c.text)]


@pytest.mark.parametrize("code", ["uk", "ar", "fa", "tr"])
async def test_journey(
    code: str, app: Any, fake_api: FakeBotAPI, services: Services, clock: Any
) -> None:
    want = EXPECT[code]
    chat = Chat(app, fake_api, user_id=3000 + SUPPORTED_LANGUAGES.index(code), language=code)

    await chat.send("/start")
    assert want["hello"] in read(chat) and "/privacy" in read(chat)
    assert CHOOSE_IN_EVERY_LANGUAGE not in read(chat)  # their language is ours
    labels = [label for label, _ in chat.last().buttons()]
    assert want["book"] in labels and want["emergency"] in labels
    if code != "uk":  # no Bulgarian left on the menu but the name ДСП
        assert not any(re.search("[а-яА-Я]", label.replace("ДСП", "")) for label in labels)

    await chat.send(want["referral"])
    assert want["guide"] in read(chat)

    await chat.send(want["emergency"])
    crisis = read(chat)
    assert crisis.index("112") < crisis.index("116 111")
    assert want["free"] in crisis

    await chat.send(want["typed"])  # a crisis typed in the language: numbers first
    crisis = read(chat)
    assert crisis.index("112") < crisis.index("116 111") and want["free"] in crisis

    await chat.send(want["question"])  # an FAQ question typed in the language
    assert want["answer"] in read(chat)

    await chat.send(want["book"])
    await chat.tap("book:topic:consulting")
    await chat.tap("book:skip")
    assert any(want["day"] in label for label, _ in chat.buttons())
    await chat.tap("book:day:2026-11-24")
    await chat.press("10:00")
    await chat.tap("book:consent:yes")
    await chat.send(want["typed"])  # in the middle of a booking too; the booking waits
    assert "112" in read(chat)
    await chat.send("Мария")
    await chat.send("0888 123 456")
    summary = read(chat)
    assert want["summary"] in summary and "Мария" in summary and "0888 123 456" in summary
    assert want["day"] in summary and "10:00" in summary
    await chat.tap("book:confirm", message_id=chat.last().message_id)
    assert want["booked"] in unshape(chat.reply_texts())

    stored = parents.find(services.db, chat.user_id)
    assert stored is not None and stored.language == code
    staff_card = [c.text for c in fake_api.calls if c.chat_id == -100500 and c.text][-1]
    assert "⏳ Чака потвърждение" in staff_card  # staff read Bulgarian
    assert STAFF_NAMES[code] in staff_card  # so staff know to bring an interpreter or call

    with services.db.session() as session:
        appointment = session.exec(select(Appointment)).one()
        transition(
            session,
            appointment,
            AppointmentStatus.confirmed,
            actor="staff",
            now=NOW,
            policy=services.reminder_policy,
        )
    clock.move_to(EVENING)
    report = await dispatch(app.bot, services)
    assert report.sent == 1
    reminder = fake_api.sent("sendMessage")[-1]
    assert reminder.chat_id == chat.chat_id
    assert unshape(reminder.text).startswith(want["reminder"])
    assert reminder.buttons()[0][0] == want["coming"]

    for text in rtl_texts(fake_api):  # Arabic and Dari: every number, time and phone in order
        assert displayed_in_order(text) == [], text
        assert phones_in(text) == phones_in(unshape(text))  # still found, so still tappable


async def test_language_chosen_with_the_menu_is_kept(
    app: Any, fake_api: FakeBotAPI, services: Services
) -> None:
    chat = Chat(app, fake_api, user_id=3100, language="bg")
    await chat.send("/start")
    await chat.send("🌐 Език / Language")
    assert [label for label, _ in chat.buttons()] == list(LANGUAGE_AUTONYMS.values())
    await chat.tap("lang:set:ar")
    assert "سأكتب لكم بالعربية" in unshape(chat.reply_texts())
    assert "🌐 اللغة / Language" in [label for label, _ in chat.last().buttons()]
    assert parents.find(services.db, chat.user_id).language == "ar"  # type: ignore[union-attr]
    services.languages.forget(chat.user_id)  # as after a restart: read from the database
    await chat.send("/menu")
    assert "اختاروا من القائمة" in read(chat)
    await chat.send("/language")
    await chat.tap("lang:set:tr")
    await chat.send("/start")
    assert "Merhaba!" in read(chat)
    await chat.tap("lang:set:xx")  # forged data: a short notice, nothing stored
    assert parents.find(services.db, chat.user_id).language == "tr"  # type: ignore[union-attr]


@pytest.mark.parametrize("telegram_language", ["de", "ru", None])
async def test_unsupported_language_gets_bulgarian_and_the_choice_in_six(
    app: Any, fake_api: FakeBotAPI, telegram_language: str | None
) -> None:
    chat = Chat(app, fake_api, user_id=3200, language=telegram_language)
    await chat.send("/start")
    text = chat.last_text()
    assert "Здравейте!" in text and CHOOSE_IN_EVERY_LANGUAGE in text
    for words in ("Choose a language", "Оберіть мову", "اختر اللغة", "Dil seçin", "/language"):
        assert words in text
    await chat.send("/language")
    await chat.tap("lang:set:uk")
    await chat.send("/start")
    assert "Вітаємо!" in read(chat) and CHOOSE_IN_EVERY_LANGUAGE not in read(chat)


async def test_staff_chat_reads_bulgarian_whatever_telegram_says(
    app: Any, fake_api: FakeBotAPI
) -> None:
    staff_chat = Chat(app, fake_api, user_id=3300, chat_id=-100500, language="ar")
    await staff_chat.send("/help")
    assert all(not is_rtl(c.text or "") for c in staff_chat.new_calls())


@pytest.mark.parametrize(
    "text",
    [
        "☎️ المختصون: 0373 9 10 76",
        "ساعات العمل: 09:00–12:00، 13:00–17:00",
        "116 111 — الخط الهاتفي الوطني للأطفال",
        "تیلفون: +359 888 20 80 27",
    ],
)
def test_unmarked_number_runs_would_be_scrambled(text: str) -> None:
    """The check above is meaningful: without the marks the display turns these around."""
    assert displayed_in_order(text) != []
    from bot.bidi import shape

    assert displayed_in_order(shape(text)) == []


async def test_a_note_typed_in_arabic_reaches_staff_as_written(
    app: Any, fake_api: FakeBotAPI
) -> None:
    note = "ابني لا يذهب إلى المدرسة منذ 3 أسابيع"
    chat = Chat(app, fake_api, user_id=3500, language="ar")
    await chat.send(EXPECT["ar"]["book"])
    await chat.tap("book:topic:consulting")
    await chat.send(note)
    await chat.tap("book:day:2026-11-24")
    await chat.press("10:00")
    await chat.tap("book:consent:yes")
    await chat.send("أحمد")
    await chat.send("0888 123 456")
    await chat.tap("book:confirm", message_id=chat.last().message_id)
    card = [c.text for c in fake_api.calls if c.chat_id == -100500 and c.text][-1]
    assert f"💬 \u2068{note}\u2069" in card  # the parent's words, isolated, unchanged
    assert "👤 \u2068أحمد\u2069" in card and "🌐 арабски" in card
    assert not is_rtl(card)  # the card stays a Bulgarian, left-to-right message
