"""Page objects: one per page family of the web desk, so tests read as what staff do."""

from __future__ import annotations

from typing import Any

from bot.background import settle


class DeskPage:
    """What every page has: the header with who is signed in, the flash message."""

    path = "/"

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base

    async def open(self, path: str | None = None) -> Any:
        return await self.page.goto(self.base + (path if path is not None else self.path))

    async def flash(self) -> str:
        return str(await self.page.locator(".flash").inner_text())

    async def who(self) -> str:
        return str(await self.page.locator("header .who").inner_text())

    async def heading(self) -> str:
        return str(await self.page.locator("h1").first.inner_text())

    async def sign_out(self) -> None:
        await self.page.get_by_role("button", name="Изход").click()

    async def settled(self) -> None:
        """Wait for the notices the action sent beside the request (parent, cards)."""
        await settle()


class SignInPage(DeskPage):
    async def sign_in(self, link: str) -> Any:
        await self.page.goto(link)
        await self.page.get_by_role("button", name="Влез").click()
        return self.page


class WeekPage(DeskPage):
    path = "/"

    async def day_text(self, iso_day: str) -> str:
        return str(await self.page.locator(f'li.day[data-day="{iso_day}"]').inner_text())

    async def grid_text(self) -> str:
        return str(await self.page.locator("table.grid").inner_text())

    async def next_week(self) -> None:
        await self.page.get_by_role("link", name="Следваща").first.click()


class PendingPage(DeskPage):
    path = "/pending"

    def card(self, appointment_id: int) -> Any:
        return self.page.locator(f'article[data-appointment="{appointment_id}"]')

    async def ids(self) -> list[int]:
        values = await self.page.locator("article[data-appointment]").evaluate_all(
            "nodes => nodes.map(n => n.dataset.appointment)"
        )
        return [int(v) for v in values]

    async def confirm(self, appointment_id: int) -> None:
        await self.card(appointment_id).get_by_role("button", name="Потвърди").click()
        await self.settled()

    async def decline(self, appointment_id: int, typed: str | None = None) -> None:
        card = self.card(appointment_id)
        await card.locator("summary", has_text="Откажи").click()
        if typed is not None:
            await card.locator('input[name="reason"][value="other"]').check()
            await card.locator('input[name="other"]').fill(typed)
        await card.locator("details button", has_text="Откажи").click()
        await self.settled()

    async def other_time(self, appointment_id: int) -> MovePage:
        await self.card(appointment_id).get_by_role("link", name="Друг час").click()
        return MovePage(self.page, self.base)


class MovePage(DeskPage):
    async def propose(self, clock_text: str, day_text: str) -> None:
        day = self.page.locator("fieldset", has_text=day_text)
        await day.get_by_label(clock_text).check()
        await self.page.get_by_role("button", name="Предложи този час").click()
        await self.settled()


class AppointmentPage(DeskPage):
    def __init__(self, page: Any, base: str, appointment_id: int) -> None:
        super().__init__(page, base)
        self.path = f"/appointments/{appointment_id}"

    async def press(self, name: str) -> None:
        await self.page.get_by_role("button", name=name).first.click()
        await self.settled()

    async def history(self) -> str:
        return str(await self.page.locator("h2:has-text('История') + .card").inner_text())

    async def facts(self) -> str:
        return str(await self.page.locator("dl.facts").inner_text())


class SearchPage(DeskPage):
    path = "/search"

    async def search(self, text: str) -> str:
        await self.page.locator('input[name="q"]').fill(text)
        await self.page.get_by_role("button", name="Търси").click()
        return str(await self.page.locator("main").inner_text())


class HoursPage(DeskPage):
    path = "/hours"

    async def set_day(self, weekday: int, spans: list[tuple[str, str]]) -> None:
        for i in range(3):
            start, end = spans[i] if i < len(spans) else ("", "")
            await self.page.locator(f'input[name="d{weekday}s{i}"]').fill(start)
            await self.page.locator(f'input[name="d{weekday}e{i}"]').fill(end)

    async def set_number(self, name: str, value: str) -> None:
        await self.page.locator(f"#{name}").fill(value)

    async def preview(self) -> None:
        await self.page.get_by_role("button", name="Преглед").click()

    async def save(self) -> None:
        await self.page.get_by_role("button", name="Запази").click()

    async def preview_text(self) -> str:
        return str(await self.page.locator("ul.preview").inner_text())

    async def day_error(self, weekday: int) -> str:
        return str(await self.page.locator(f"#day{weekday} .error-text").inner_text())


class DaysOffPage(DeskPage):
    path = "/days-off"

    async def close(self, first: str, last: str, reason: str) -> None:
        await self.page.locator("#first").fill(first)
        await self.page.locator("#last").fill(last)
        await self.page.locator("#reason").fill(reason)
        await self.page.get_by_role("button", name="Затвори", exact=True).click()

    async def reopen(self, iso_day: str) -> None:
        row = self.page.locator(
            "ul.closed-days li", has=self.page.locator(f'input[value="{iso_day}"]')
        )
        await row.get_by_role("button", name="Отвори отново").click()


class TeamPage(DeskPage):
    path = "/team"

    def _row(self, user_id: int) -> Any:
        return self.page.locator(f'tr[data-user="{user_id}"]')

    async def row(self, user_id: int) -> str:
        return str(await self._row(user_id).inner_text())

    async def invite(self, role: str) -> str:
        await self.page.locator(f'input[type=radio][name="role"][value="{role}"]').check()
        await self.page.get_by_role("button", name="Създай покана").click()
        text = str(await self.page.locator(".invite .code").inner_text())
        return text.removeprefix("/staff ").strip()

    async def press(self, user_id: int, name: str) -> None:
        await self._row(user_id).get_by_role("button", name=name).click()


class StatsPage(DeskPage):
    path = "/stats"

    async def figures(self) -> dict[str, str]:
        cells = self.page.locator("table.figures td[data-figure]")
        out: dict[str, str] = {}
        for i in range(await cells.count()):
            cell = cells.nth(i)
            out[str(await cell.get_attribute("data-figure"))] = str(await cell.inner_text())
        return out

    async def topic_bars(self) -> dict[str, int]:
        """The topics' chart as the SVG the page shows: each bar's label and printed value."""
        import base64
        from xml.etree import ElementTree

        src = str(await self.page.locator("img.chart-topics").get_attribute("src"))
        root = ElementTree.fromstring(base64.b64decode(src.split(",", 1)[1]))
        ns = "{http://www.w3.org/2000/svg}"
        groups = {g.get("class"): g for g in root.iter(f"{ns}g")}
        labels = [t.text or "" for t in groups["axis y"].iter(f"{ns}text")]
        bars = [g for cls, g in groups.items() if cls and cls.startswith("series")]
        values = [int(t.text or 0) for g in bars for t in g.iter(f"{ns}text")]
        return dict(zip(labels, values, strict=True))


class AuditPage(DeskPage):
    path = "/audit"

    async def rows(self) -> list[str]:
        cells = self.page.locator("table.audit tbody tr")
        texts = [str(await cells.nth(i).inner_text()) for i in range(await cells.count())]
        return [t for t in texts if "Няма записи" not in t]

    async def filter(
        self,
        *,
        actor: str | None = None,
        appointment: str | None = None,
        action: str | None = None,
    ) -> None:
        await self.open()
        if actor:
            await self.page.locator('select[name="actor"]').select_option(label=actor)
        if appointment:
            await self.page.locator('input[name="appointment"]').fill(appointment)
        if action:
            await self.page.locator('select[name="action"]').select_option(label=action)
        await self.page.get_by_role("button", name="Покажи").click()


class QuestionsPage(DeskPage):
    path = "/questions"

    async def ids(self) -> list[int]:
        values = await self.page.locator("article[data-question]").evaluate_all(
            "nodes => nodes.map(n => n.dataset.question)"
        )
        return [int(v) for v in values]

    async def card(self, question_id: int) -> str:
        return str(await self.page.locator(f'article[data-question="{question_id}"]').inner_text())

    async def open_question(self, question_id: int) -> QuestionPage:
        await self.page.locator(f'article[data-question="{question_id}"] h2 a').click()
        return QuestionPage(self.page, self.base, question_id)


class QuestionPage(DeskPage):
    def __init__(self, page: Any, base: str, question_id: int) -> None:
        super().__init__(page, base)
        self.path = f"/questions/{question_id}"

    async def thread(self) -> str:
        return str(await self.page.locator("ol.thread").inner_text())

    async def state(self) -> str:
        return str(await self.page.locator("p.state").inner_text())

    async def answer(self, text: str) -> None:
        await self.page.locator("#answer-text").fill(text)
        await self.page.get_by_role("button", name="Изпрати отговора").click()
        await self.settled()

    async def close(self, note: str) -> None:
        await self.page.locator("summary", has_text="Затвори без отговор").click()
        await self.page.locator("#close-note").fill(note)
        await self.page.locator("details button", has_text="Затвори без отговор").click()
        await self.settled()


class WaitlistPage(DeskPage):
    path = "/waitlist"

    async def rows(self) -> list[str]:
        cells = self.page.locator("table.waitlist tbody tr")
        return [str(await cells.nth(i).inner_text()) for i in range(await cells.count())]


class SurveyFigures(StatsPage):
    async def survey(self) -> dict[str, str]:
        cells = self.page.locator("table.survey td[data-survey]")
        out: dict[str, str] = {}
        for i in range(await cells.count()):
            cell = cells.nth(i)
            out[str(await cell.get_attribute("data-survey"))] = str(await cell.inner_text())
        return out

    async def comments(self) -> list[str]:
        items = self.page.locator("ul.survey-comments li")
        return [str(await items.nth(i).inner_text()) for i in range(await items.count())]
