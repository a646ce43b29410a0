"""What the desk refuses: no session, spent or expired links, removed staff, staff on an
admin page, a form without its CSRF token; and the headers every answer carries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from typer.testing import CliRunner

from admin import staff as staff_service
from admin.cli import app as cop_admin
from bot.answers import not_understood_text
from bot.services import Services
from storage.models import Appointment
from tests.admin.conftest import STAFF_ID, add_appointment, add_parent, at
from tests.chat import Chat
from tests.web.conftest import sign_in_link
from tests.web.pages import AppointmentPage, DeskPage, SignInPage, WeekPage


def pending_appointment(services: Services) -> int:
    return add_appointment(services.db, add_parent(services.db), at(24, 10))


async def test_no_session_shows_nothing_but_how_to_sign_in(
    desk: str, services: Services, team: None
) -> None:
    appointment_id = pending_appointment(services)
    async with httpx.AsyncClient(base_url=desk) as client:
        for path in ("/", "/today", "/pending", f"/appointments/{appointment_id}", "/search"):
            answer = await client.get(path)
            assert answer.status_code == 401, path
            assert "изпратете /web на бота" in answer.text
            assert "Мария" not in answer.text and "+359" not in answer.text
        answer = await client.post(f"/appointments/{appointment_id}/confirm", data={})
        assert answer.status_code == 401
    with services.db.read() as session:
        row = session.get(Appointment, appointment_id)
        assert row is not None and row.status == "pending"


async def test_an_expired_link(
    desk: str, page: Any, services: Services, team: None, clock: Any
) -> None:
    link = sign_in_link(services)
    clock.shift(timedelta(minutes=10, seconds=1))
    await SignInPage(page, desk).sign_in(link)
    assert "Връзката е изтекла" in await page.locator("main").inner_text()
    await WeekPage(page, desk).open()
    assert "Нужен е вход" in await page.locator("h1").inner_text()


async def test_a_used_link(desk: str, browser: Any, services: Services, team: None) -> None:
    link = sign_in_link(services)
    first = await browser.new_page()
    await SignInPage(first, desk).sign_in(link)
    assert "Влязохте като Ива" in await DeskPage(first, desk).flash()
    second = await browser.new_page()  # another browser context: no session
    await SignInPage(second, desk).sign_in(link)
    assert "Връзката вече е използвана" in await second.locator("main").inner_text()


async def test_wrong_links_are_rate_limited(desk: str, services: Services, team: None) -> None:
    async with httpx.AsyncClient(base_url=desk) as client:
        page = await client.get("/login/whatever")
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        for _attempt in range(10):
            answer = await client.post("/login", data={"csrf": csrf, "token": "forged"})
            assert answer.status_code == 400
        token = sign_in_link(services).rsplit("/", 1)[1]
        answer = await client.post("/login", data={"csrf": csrf, "token": token})
        assert answer.status_code == 429  # even a good link waits now
        assert "Твърде много неуспешни опити" in answer.text


async def test_a_removed_staff_member_is_signed_out_at_once(
    desk: str, page: Any, services: Services, team: None
) -> None:
    await SignInPage(page, desk).sign_in(sign_in_link(services, STAFF_ID))
    week = WeekPage(page, desk)
    assert "Петър" in await week.who()
    staff_service.remove(services.db, STAFF_ID)
    await week.open()
    assert "Нужен е вход" in await week.heading()
    staff_service.add(services.db, telegram_user_id=STAFF_ID, name="Петър")
    await week.open()  # the session was ended, not just refused once
    assert "Нужен е вход" in await week.heading()


async def test_staff_are_refused_an_admin_page(
    desk: str, page: Any, services: Services, team: None
) -> None:
    await SignInPage(page, desk).sign_in(sign_in_link(services, STAFF_ID))
    assert "Експорт" not in await page.locator("header nav").inner_text()
    answer = await page.goto(desk + "/export")
    assert answer.status == 403
    assert "само за администратор" in await page.locator("main").inner_text()
    posted = await page.request.post(desk + "/export", form={"first": "2026-11-01"})
    assert posted.status == 403


async def test_an_admin_exports_csv(desk: str, page: Any, services: Services, team: None) -> None:
    pending_appointment(services)
    await SignInPage(page, desk).sign_in(sign_in_link(services))
    await page.goto(desk + "/export")
    await page.locator("#first").fill("2026-11-01")
    await page.locator("#last").fill("2026-11-30")
    async with page.expect_download() as info:
        await page.get_by_role("button", name="Изтегли").click()
    download = await info.value
    body = (await download.path()).read_bytes()
    assert body.startswith("\ufeff".encode()) and "Мария Петрова" in body.decode("utf-8-sig")
    await page.goto(desk + "/export")
    await page.locator("#first").fill("2026-11-30")
    await page.locator("#last").fill("2026-11-01")
    await page.get_by_role("button", name="Изтегли").click()
    assert "Крайната дата е преди началната" in await page.locator("main form").inner_text()


async def test_an_admin_exports_ics(desk: str, page: Any, services: Services, team: None) -> None:
    from icalendar import Calendar

    add_appointment(services.db, add_parent(services.db), at(24, 10), status="confirmed")
    await SignInPage(page, desk).sign_in(sign_in_link(services))
    await page.goto(desk + "/export")
    await page.locator("#first").fill("2026-11-01")
    await page.locator("#last").fill("2026-11-30")
    await page.locator('input[name="format"][value="ics"]').check()
    async with page.expect_download() as info:
        await page.get_by_role("button", name="Изтегли").click()
    download = await info.value
    assert download.suggested_filename == "cop-2026-11-01-2026-11-30.ics"
    calendar = Calendar.from_ical((await download.path()).read_bytes())
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert len(events) == 1


async def test_a_post_without_csrf_token_changes_nothing(
    desk: str, page: Any, services: Services, team: None
) -> None:
    appointment_id = pending_appointment(services)
    await SignInPage(page, desk).sign_in(sign_in_link(services))
    for form in ({}, {"csrf": "forged"}):
        answer = await page.request.post(
            f"{desk}/appointments/{appointment_id}/confirm", form=form
        )
        assert answer.status == 403
        assert "Формулярът е остарял" in await answer.text()
    with services.db.read() as session:
        row = session.get(Appointment, appointment_id)
        assert row is not None and row.status == "pending"
    view = AppointmentPage(page, desk, appointment_id)
    await view.open()  # the real form, with its token, works
    await view.press("Потвърди")
    assert "Часът е потвърден" in await view.flash()


async def test_headers_and_cookie(desk: str, page: Any, services: Services, team: None) -> None:
    await SignInPage(page, desk).sign_in(sign_in_link(services))
    answer = await page.goto(desk + "/")
    headers = await answer.all_headers()
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"
    (cookie,) = await page.context.cookies()
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert "Ива" not in cookie["value"]  # only ids in the session, signed


async def test_sign_out(desk: str, page: Any, services: Services, team: None) -> None:
    await SignInPage(page, desk).sign_in(sign_in_link(services))
    week = WeekPage(page, desk)
    await week.sign_out()
    assert "Излязохте" in await week.heading()
    await week.open()
    assert "Нужен е вход" in await week.heading()


async def test_a_parent_sending_web_is_not_understood(
    parent_chat: Chat, services: Services
) -> None:
    await parent_chat.send("/web")
    assert parent_chat.last_text() == not_understood_text(services.content)
    assert "/login/" not in parent_chat.reply_texts()


async def test_web_in_the_staff_group_sends_no_link(admin_chat: Chat) -> None:
    await admin_chat.send("/web")
    assert "личен чат" in admin_chat.last_text() and "/login/" not in admin_chat.last_text()


def test_cop_admin_web_link(tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.sqlite3")
    monkeypatch.setenv("WEB_BASE_URL", "https://desk.example.org")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cop_admin, ["web-link", "501"]).exit_code == 2  # not staff yet
    runner.invoke(cop_admin, ["staff", "add", "501", "--name", "Ива", "--role", "admin"])
    result = runner.invoke(cop_admin, ["web-link", "501"])
    assert result.exit_code == 0
    assert result.stdout.startswith("https://desk.example.org/login/")


async def test_an_https_desk_sends_the_cookie_secure_only(app: Any, services: Services) -> None:
    from admin.web.app import create_app

    services.settings.web_base_url = "https://desk.example.org"
    transport = httpx.ASGITransport(app=create_app(app))
    async with httpx.AsyncClient(transport=transport, base_url="https://desk.example.org") as c:
        answer = await c.get("/login/anything")
    cookie = answer.headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie


async def test_an_unexpected_error_is_a_short_apology(
    app: Any, services: Services, team: None, monkeypatch: Any
) -> None:
    from admin import lists
    from admin.web.app import create_app

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(lists, "between", broken)
    transport = httpx.ASGITransport(app=create_app(app), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://desk") as client:
        page = await client.get(f"/login/{sign_in_link(services).rsplit('/', 1)[1]}")
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        token = page.text.split('name="token" value="')[1].split('"')[0]
        await client.post("/login", data={"csrf": csrf, "token": token})
        answer = await client.get("/today")
    assert answer.status_code == 500 and "Нещо се обърка" in answer.text
    assert "boom" not in answer.text
