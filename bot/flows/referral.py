""" "Направление от ДСП": the two ways in, in steps, and a short "do I need one?" guide.

Stateless: every answer is a view reached by a `ref:*` button, so a parent can leave and
come back at any point. The diagram is in `referral.mmd`. Steps come from the content file
(`[referral]`); ДСП's address and hours are shown only when the content file has them.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler

from bot.centre import Content, ServiceGroup
from bot.context import BotContext
from bot.i18n import _
from bot.ui import (
    PRIVATE_MESSAGE,
    back_row,
    inline,
    menu_button,
    menu_filter,
    show,
    stale_button,
)

BOOK = "book:start"  # the booking conversation's entry point (bot/flows/booking.py)
SPECIALISED_FIRST_PAGE = 2  # steps on the first page of the specialised way
Rows = list[list[tuple[str, str]]]


def _group(content: Content, *, needs_referral: bool) -> ServiceGroup | None:
    return next((g for g in content.service_groups if g.needs_referral == needs_referral), None)


def _title(content: Content, *, needs_referral: bool) -> str:
    group = _group(content, needs_referral=needs_referral)
    if group is not None:
        return _(group.title)
    return _("Специализирани услуги") if needs_referral else _("Общодостъпни услуги")


def _steps(steps: list[str], start: int = 1) -> str:
    return "\n\n".join(f"{n}. {_(step)}" for n, step in enumerate(steps, start=start))


def _book_row() -> list[tuple[str, str]]:
    return [(_("📅 Запазете час"), BOOK)]


def _phone(content: Content) -> str:
    return content.contacts.main_phone.display


def dsp_lines(content: Content) -> list[str]:
    """ДСП's address, hours and phone, only those the content file gives (none: nothing)."""
    dsp = content.dsp
    if dsp is None or not (dsp.address or dsp.hours or dsp.phone):
        return []
    lines = [_(dsp.name)]
    if dsp.address:
        lines.append(_("Адрес: {address}").format(address=_(dsp.address)))
    if dsp.hours:
        lines.append(_("Работно време: {hours}").format(hours=_(dsp.hours)))
    if dsp.phone:
        lines.append(f"☎️ {dsp.phone}")
    return lines


def documents_text(content: Content) -> str:
    """What to bring: only if the centre confirmed it; otherwise the phone."""
    if content.referral.documents:
        return _(content.referral.documents)
    return _("Какви документи да носите, ще Ви каже специалист на {phone}.").format(
        phone=_phone(content)
    )


# --- views: (text, rows) ---------------------------------------------------------------------


def overview(content: Content) -> tuple[str, Rows]:
    text = "\n\n".join(
        [
            _("Има два начина да ползвате услугите на центъра."),
            _("1. {title} — без направление и без договор. Елате или запазете час.").format(
                title=_title(content, needs_referral=False)
            ),
            _(
                "2. {title} — с направление или предварителна оценка на потребностите от "
                "Дирекция „Социално подпомагане“ (ДСП). След това подписвате договор с центъра."
            ).format(title=_title(content, needs_referral=True)),
        ]
    )
    rows: Rows = [
        [(_("1. Без направление"), "ref:general")],
        [(_("2. С направление"), "ref:special")],
        [(_("❓ Нужно ли ми е направление?"), "ref:q1")],
        [menu_button()],
    ]
    return text, rows


def general_way(content: Content) -> tuple[str, Rows]:
    head = _("{title}: без направление").format(title=_title(content, needs_referral=False))
    text = head + "\n\n" + _steps(content.referral.general_steps)
    return text, [_book_row(), back_row("ref:start")]


def specialised_way(content: Content, page: int) -> tuple[str, Rows] | None:
    steps = content.referral.specialised_steps
    head = _("{title}: с направление").format(title=_title(content, needs_referral=True))
    if page == 1:
        parts = [head, _steps(steps[:SPECIALISED_FIRST_PAGE])]
        dsp = "\n".join(dsp_lines(content))  # where step 1 goes, when the content says
        if dsp:
            parts.append(dsp)
        rows: Rows = []
        if len(steps) > SPECIALISED_FIRST_PAGE:
            rows.append([(_("Още"), "ref:special:2")])
        rows.append(back_row("ref:start"))
        return "\n\n".join(parts), rows
    if page == 2 and len(steps) > SPECIALISED_FIRST_PAGE:
        rest = _steps(steps[SPECIALISED_FIRST_PAGE:], start=SPECIALISED_FIRST_PAGE + 1)
        return rest + "\n\n" + documents_text(content), [back_row("ref:special")]
    return None


def question_need(content: Content) -> tuple[str, Rows]:
    text = _("Ще Ви помогна с един-два въпроса.\n\nКакво търсите?")
    rows: Rows = [
        [(_("💬 Съвет или консултация"), "ref:a:consult")],
        [(_("🧩 Терапия или подкрепа"), "ref:q2")],
        [(_("🤔 Не знам"), "ref:a:unsure")],
        back_row("ref:start"),
    ]
    return text, rows


def question_have(content: Content) -> tuple[str, Rows]:
    text = _(
        "За терапия и другите специализирани услуги е нужен документ от Дирекция "
        "„Социално подпомагане“ (ДСП).\n\n"
        "Имате ли вече направление или предварителна оценка на потребностите?"
    )
    rows: Rows = [
        [(_("✅ Да, имам"), "ref:a:have"), (_("❌ Не, нямам"), "ref:a:need")],
        back_row("ref:q1"),
    ]
    return text, rows


def answer_consult(content: Content) -> tuple[str, Rows]:
    lines = [
        _("✅ Не Ви е нужно направление."),
        _("За консултация можете да дойдете директно или да запазите час сега."),
    ]
    if content.centre.services_free:
        lines.append(_("Услугите са безплатни."))
    return "\n".join(lines), [_book_row(), back_row("ref:q1")]


def answer_unsure(content: Content) -> tuple[str, Rows]:
    text = _(
        "Започнете с консултация — за нея не е нужно направление. "
        "Там можете да попитате дали Ви е нужна и друга услуга.\n\n"
        "Можете да запазите час сега или да се обадите на {phone}."
    ).format(phone=_phone(content))
    return text, [_book_row(), back_row("ref:q1")]


def answer_have(content: Content) -> tuple[str, Rows]:
    text = _(
        "✅ Донесете документа в центъра: {address}.\n"
        "Специалистите ще направят оценка заедно с Вас и ще подпишете договор.\n\n"
        "Обадете се на {phone}, за да се уговорите за среща."
    ).format(address=_(content.contacts.address_short), phone=_phone(content))
    return text, [back_row("ref:q2")]


def answer_need(content: Content) -> tuple[str, Rows]:
    parts = [
        _(
            "Нужна Ви е предварителна оценка на потребностите от Дирекция "
            "„Социално подпомагане“ (ДСП)."
        ),
        _(
            "Следваща стъпка: обърнете се към ДСП по настоящия си адрес и кажете, че искате "
            "социална услуга — лично, писмено, по телефона или по електронен път."
        ),
    ]
    dsp = "\n".join(dsp_lines(content))
    if dsp:
        parts.append(dsp)
    parts.append(_("Дотогава можете да дойдете на консултация — за нея не е нужно направление."))
    rows: Rows = [
        [(_("📄 Стъпките подробно"), "ref:special")],
        _book_row(),
        back_row("ref:q2"),
    ]
    return "\n\n".join(parts), rows


_VIEWS = {
    "start": overview,
    "general": general_way,
    "q1": question_need,
    "q2": question_have,
    "a:consult": answer_consult,
    "a:unsure": answer_unsure,
    "a:have": answer_have,
    "a:need": answer_need,
}


# --- handlers ------------------------------------------------------------------------------


async def start(update: Update, context: BotContext) -> None:
    """Show the two ways in and the guide's first button."""
    text, rows = overview(context.services.content)
    await show(update, text, inline(rows))


async def view(update: Update, context: BotContext) -> None:
    """Show the step, question or answer the pressed button names."""
    assert context.match is not None
    text, rows = _VIEWS[context.match.group(1)](context.services.content)
    await show(update, text, inline(rows))


async def specialised(update: Update, context: BotContext) -> None:
    """Show the specialised way, in two pages."""
    assert context.match is not None
    page = int(context.match.group(1) or 1)
    result = specialised_way(context.services.content, page)
    if result is None:
        await stale_button(update, context)
        return
    await show(update, result[0], inline(result[1]))


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    keys = "|".join(k.replace(":", r"\:") for k in _VIEWS)
    return [
        MessageHandler(PRIVATE_MESSAGE & menu_filter("referral"), start),
        CallbackQueryHandler(view, pattern=rf"^ref:({keys})$"),
        CallbackQueryHandler(specialised, pattern=r"^ref:special(?::(\d))?$"),
    ]
