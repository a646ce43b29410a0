"""Екип: an invite code works once for /staff CODE; a removed person is signed out; roles."""

from __future__ import annotations

from typing import Any

from admin import staff as staff_service
from bot.fakeapi import FakeBotAPI
from bot.services import Services
from tests.admin.conftest import STAFF_ID
from tests.chat import Chat
from tests.web.conftest import sign_in_link
from tests.web.pages import SignInPage, TeamPage, WeekPage


async def test_an_invite_works_once(
    desk: str, page: Any, app: Any, services: Services, team: None, fake_api: FakeBotAPI
) -> None:
    await SignInPage(page, desk).sign_in(sign_in_link(services))
    team_page = TeamPage(page, desk)
    await team_page.open()
    code = await team_page.invite("staff")
    assert await page.locator("img.qr").get_attribute("src") or ""
    assert "data:image/svg+xml" in (await page.locator("img.qr").get_attribute("src") or "")

    newcomer = Chat(app, fake_api, user_id=777)
    await newcomer.send(f"/staff {code}")
    assert "Добре дошли в екипа" in newcomer.last_text()
    other = Chat(app, fake_api, user_id=778)
    await other.send(f"/staff {code}")
    assert "вече е използван" in other.last_text()
    await team_page.open()
    assert "служител" in await team_page.row(777)


async def test_the_qr_link_joins_through_start(
    desk: str, page: Any, app: Any, services: Services, team: None, fake_api: FakeBotAPI
) -> None:
    await SignInPage(page, desk).sign_in(sign_in_link(services))
    team_page = TeamPage(page, desk)
    await team_page.open()
    code = await team_page.invite("admin")
    newcomer = Chat(app, fake_api, user_id=779)
    await newcomer.send(f"/start staff-{code}")
    assert "Роля: администратор" in newcomer.last_text()


async def test_a_removed_person_is_signed_out_and_roles_change(
    desk: str, browser: Any, services: Services, team: None
) -> None:
    admin_tab = await (await browser.new_context()).new_page()
    staff_tab = await (await browser.new_context()).new_page()
    await SignInPage(admin_tab, desk).sign_in(sign_in_link(services))
    await SignInPage(staff_tab, desk).sign_in(sign_in_link(services, STAFF_ID))
    team_page = TeamPage(admin_tab, desk)
    await team_page.open()
    await team_page.press(STAFF_ID, "Направи администратор")
    assert "Ролята е променена" in await team_page.flash()
    assert staff_service.check(services.db, STAFF_ID).is_admin
    await team_page.press(STAFF_ID, "Премахни")
    assert "Премахнат от екипа" in await team_page.flash()
    week = WeekPage(staff_tab, desk)
    await week.open()
    assert "Нужен е вход" in await week.heading()

    await team_page.press(501, "Направи служител")  # the last admin stays an admin
    assert "поне един администратор" in await team_page.flash()
    assert "Премахни" not in await team_page.row(501)  # nobody removes themselves
