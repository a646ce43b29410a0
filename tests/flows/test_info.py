"""Information views: every view, its buttons, and the way back, edited in place."""

from __future__ import annotations

from typing import Any

import pytest

from bot.centre import Content
from bot.fakeapi import FakeBotAPI, Fault
from tests.chat import Chat


def _data(chat: Chat) -> list[str]:
    return [d for _, d in chat.buttons() if d]


async def test_about_from_menu_then_more_and_back(chat: Chat, content: Content) -> None:
    await chat.send("/start")
    await chat.press("За центъра")
    text = chat.last_text()
    assert "Център за обществена подкрепа – Харманли" in text
    assert "Открит на 4 юни 2014\u202fг." in text  # Babel, bg
    assert "парк" in text
    assert {"info:about:2", "info:groups:1", "info:team", "info:cond", "menu:show"} <= set(
        _data(chat)
    )
    about_id = chat.last().message_id

    await chat.tap("info:about:2")
    assert chat.last().method == "editMessageText"
    assert chat.last().message_id == about_id
    assert "30 деца" in chat.last_text()
    assert "индивидуално" in chat.last_text()
    assert _data(chat) == ["info:about", "menu:show"]

    await chat.press("Назад")
    assert chat.last().method == "editMessageText"
    assert "парк" in chat.last_text()


async def test_target_groups_in_two_pages(chat: Chat, content: Content) -> None:
    await chat.send("ℹ️ За центъра")
    await chat.tap("info:groups:1")
    first = chat.last_text()
    assert "1 от 2" in first
    assert "риск да изоставят" in first
    assert _data(chat) == ["info:groups:2", "info:about", "menu:show"]
    await chat.press("Още")
    second = chat.last_text()
    assert "кандидат-осиновители" in second.lower()
    bullets = first.count("• ") + second.count("• ")
    assert bullets == len(content.target_groups) == 8
    assert _data(chat) == ["info:groups:1", "menu:show"]
    await chat.press("Назад")
    assert "1 от 2" in chat.last_text()
    await chat.press("Назад")
    assert "парк" in chat.last_text()


async def test_team_and_conditions(chat: Chat) -> None:
    await chat.send("ℹ️ За центъра")
    await chat.tap("info:team")
    assert "психолози" in chat.last_text()
    assert "Длъжности, които правилата на центъра предвиждат:" in chat.last_text()
    assert "Кой работи в центъра сега:" in chat.last_text()
    assert _data(chat) == ["info:about", "menu:show"]
    await chat.tap("info:cond")
    text = chat.last_text()
    assert "1. " in text and "2. " in text
    assert "без насочване" in text and "договор" in text
    assert _data(chat) == ["ref:start", "info:about", "menu:show"]


async def test_services_groups_and_each_service(chat: Chat, content: Content) -> None:
    await chat.send("📋 Услуги")
    assert "Общодостъпни услуги" in chat.last_text()
    assert "Специализирани услуги" in chat.last_text()
    assert "безплатни" in chat.last_text()
    assert _data(chat) == ["info:grp:general", "info:grp:specialised", "menu:show"]
    for group in content.service_groups:
        await chat.tap(f"info:grp:{group.key}")
        assert group.summary[:30] in chat.last_text()
        for service in group.services:
            await chat.tap(f"info:svc:{service.key}")
            text = chat.last_text()
            assert service.title in text and service.definition[:40] in text
            if service.who_for:
                assert "За кого:" in text and service.who_for[:30] in text
            else:  # only named in the seeds: nothing invented, the phone instead
                assert "За кого:" not in text and "0373 9 10 76" in text
            data = _data(chat)
            assert data[-2:] == [f"info:grp:{group.key}", "menu:show"]
            assert ("book:start" in data) == service.bookable
            await chat.press("Назад")
            assert group.summary[:30] in chat.last_text()
        await chat.press("Назад")
        assert "две групи" in chat.last_text()


async def test_contacts_phones_email_address_and_hours(chat: Chat) -> None:
    await chat.send("☎️ Контакти")
    text = chat.last_text()
    assert "0373 9 10 76" in text and "0888 20 80 27" in text
    assert "cop@harmanli.bg" in text
    assert "кв. „Дружба“ 7А" in text
    # The hours are the bot's assumption until staff set them: never told as fact.
    assert "Работното време ще Ви каже специалист на 0373 9 10 76" in text
    assert "09:00" not in text
    assert _data(chat) == ["menu:show"]  # no coordinates in the content: no map
    assert not chat.fake.sent("sendLocation")


async def test_contacts_without_hours_give_the_phone(chat: Chat, services: Any) -> None:
    from sqlmodel import delete

    from storage.models import OpeningHours

    with services.db.session() as session:
        session.exec(delete(OpeningHours))  # type: ignore[call-overload]
    await chat.send("☎️ Контакти")
    assert "Работно време" not in chat.last_text()
    await chat.send("4asove")
    assert "0373 9 10 76" in chat.last_text()
    assert "Работното време ще Ви каже" in chat.last_text()


async def test_map_pin_only_with_coordinates(chat: Chat, services: Any) -> None:
    contacts = services.content.contacts.model_copy(update={"latitude": 41.9, "longitude": 25.9})
    services.content = services.content.model_copy(update={"contacts": contacts})
    await chat.send("☎️ Контакти")
    assert "info:map" in _data(chat)
    await chat.tap("info:map")
    pins = chat.fake.sent("sendLocation")
    assert len(pins) == 1 and pins[0].params["latitude"] == 41.9


async def test_map_button_without_coordinates_is_stale(chat: Chat) -> None:
    await chat.send("☎️ Контакти")
    await chat.tap("info:map")
    assert "по-старо съобщение" in chat.last_text()
    assert not chat.fake.sent("sendLocation")


async def test_menu_button_brings_the_menu_back(chat: Chat) -> None:
    await chat.send("📋 Услуги")
    await chat.tap("info:grp:general")
    await chat.press("🏠 Меню")
    labels = [label for label, _ in chat.last().buttons()]
    assert "📋 Услуги" in labels and "🆘 Спешна помощ" in labels


async def test_same_view_twice_is_not_an_error(chat: Chat, fake_api: FakeBotAPI) -> None:
    await chat.send("ℹ️ За центъра")
    fake_api.fail("editMessageText", Fault(400, "Bad Request: message is not modified"))
    await chat.tap("info:about")
    assert "Съжаляваме" not in chat.reply_texts()
    assert not chat.replies()  # nothing new: the view is already there
    assert fake_api.sent("answerCallbackQuery")


async def test_uneditable_message_gets_a_new_one(chat: Chat, fake_api: FakeBotAPI) -> None:
    await chat.send("ℹ️ За центъра")
    fake_api.fail("editMessageText", Fault(400, "Bad Request: message can't be edited"))
    await chat.tap("info:team")
    assert chat.last().method == "sendMessage"
    assert "психолози" in chat.last_text()


@pytest.mark.parametrize(
    "data", ["info:svc:nope", "info:grp:nope", "info:groups:9", "info:groups:0", "info:xyz"]
)
async def test_forged_info_buttons_are_answered(chat: Chat, data: str) -> None:
    await chat.send("📋 Услуги")
    await chat.tap(data)
    assert "по-старо съобщение" in chat.last_text()
    assert chat.fake.sent("answerCallbackQuery")[-1].params.get("text")


async def test_link_previews_are_switched_off_only_where_a_link_could_show(chat: Chat) -> None:
    await chat.send("☎️ Контакти")  # holds the e-mail address
    assert chat.last().params["link_preview_options"] == {"is_disabled": True}
    await chat.send("📋 Услуги")
    assert "link_preview_options" not in chat.last().params
