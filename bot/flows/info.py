"""Information views: about the centre, services, target groups, team, conditions, contacts.

Reached from the main-menu buttons (a new message) and from `info:*` buttons (the message
is edited in place). Every fact comes from the content file; hours from the opening rules.

    info:about ─┬─ info:about:2          info:services ─ info:grp:<key> ─ info:svc:<key>
                ├─ info:groups:<page>    info:contacts ─ info:map (only with coordinates)
                ├─ info:team
                └─ info:cond
"""

from __future__ import annotations

from collections.abc import Callable

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler

from bot.answers import contacts_text, told_hours
from bot.centre import Content
from bot.context import BotContext
from bot.i18n import _, format_day_long
from bot.ui import (
    PRIVATE_MESSAGE,
    answer_query,
    back_row,
    inline,
    menu_button,
    menu_filter,
    show,
)
from bot.ui import stale_button as stale

GROUPS_PER_PAGE = 4
Rows = list[list[tuple[str, str]]]


# --- texts and keyboards (pure: content in, text and rows out) -------------------------------


def about_text(content: Content) -> str:
    centre = content.centre
    lines = [_(centre.name)]
    if centre.opened:
        lines.append(_("Открит на {date}").format(date=format_day_long(centre.opened)))
    if centre.setting:
        lines.append(_(centre.setting))
    return "\n\n".join(lines)


def about_more_text(content: Content) -> str:
    centre = content.centre
    parts = [_(p) for p in (centre.capacity_text, centre.activities, centre.approach) if p]
    return "\n\n".join(parts)


def about_rows(content: Content) -> Rows:
    rows: Rows = []
    if about_more_text(content):
        rows.append([(_("Още"), "info:about:2")])
    rows += [
        [(_("👥 С кого работим"), "info:groups:1"), (_("🧑‍🏫 Екипът"), "info:team")],
        [(_("📜 Условия"), "info:cond"), menu_button()],
    ]
    return rows


def group_pages(content: Content) -> int:
    return -(-len(content.target_groups) // GROUPS_PER_PAGE)


def groups_text(content: Content, page: int) -> str:
    start = (page - 1) * GROUPS_PER_PAGE
    items = content.target_groups[start : start + GROUPS_PER_PAGE]
    head = _("С кого работи центърът ({page} от {pages}):").format(
        page=page, pages=group_pages(content)
    )
    return head + "\n\n" + "\n".join(f"• {_(item.text)}" for item in items)


def groups_rows(content: Content, page: int) -> Rows:
    rows: Rows = []
    if page < group_pages(content):
        rows.append([(_("Още"), f"info:groups:{page + 1}")])
    rows.append(back_row("info:about" if page == 1 else f"info:groups:{page - 1}"))
    return rows


def team_text(content: Content) -> str:
    """The seeds' two lists, labelled: the positions foreseen, and who works there now."""
    team = content.team
    lines = [
        _(team.summary),
        "",
        _("Длъжности, които правилата на центъра предвиждат:"),
        *(f"• {_(role)}" for role in team.roles),
    ]
    if team.staff:
        lines += ["", _("Кой работи в центъра сега:"), _(team.staff)]
    return "\n".join(lines)


def conditions_text(content: Content) -> str:
    head = _("Условия за ползване на услугите:")
    items = [f"{n}. {_(c.text)}" for n, c in enumerate(content.conditions, start=1)]
    return head + "\n\n" + "\n\n".join(items)


def services_text(content: Content) -> str:
    lines = [_("Услугите в центъра са в две групи:")]
    for group in content.service_groups:
        if group.needs_referral:
            how = _("с направление от Дирекция „Социално подпомагане“ (ДСП)")
        else:
            how = _("без направление")
        lines.append(f"• {_(group.title)} — {how}")
    if content.centre.services_free:
        lines.append(_("Всички услуги са безплатни."))
    lines.append(_("Изберете група, за да видите услугите."))
    return "\n".join(lines)


def services_rows(content: Content) -> Rows:
    rows: Rows = [[(_(g.title), f"info:grp:{g.key}")] for g in content.service_groups]
    rows.append([menu_button()])
    return rows


def group_text(content: Content, key: str) -> str | None:
    group = content.group(key)
    if group is None:
        return None
    return f"{_(group.title)}\n\n{_(group.summary)}"


def group_rows(content: Content, key: str) -> Rows:
    group = content.group(key)
    assert group is not None
    rows: Rows = [[(_(s.title), f"info:svc:{s.key}")] for s in group.services]
    if group.needs_referral:
        rows.append([(_("📄 Как се получава направление"), "ref:start")])
    rows.append(back_row("info:services"))
    return rows


def service_text(content: Content, key: str) -> str | None:
    """Title, what it is and who it is for; only what the content file says."""
    service = content.service(key)
    if service is None:
        return None
    parts = [_(service.title)]
    if service.definition:
        parts.append(_(service.definition))
    else:
        parts.append(
            _("Повече за тази услуга ще Ви каже специалист на {phone}.").format(
                phone=content.contacts.main_phone.display
            )
        )
    if service.who_for:
        parts.append(_("За кого: {who}").format(who=_(service.who_for)))
    return "\n\n".join(parts)


def service_rows(content: Content, key: str) -> Rows:
    group = next(g for g in content.service_groups if any(s.key == key for s in g.services))
    service = content.service(key)
    rows: Rows = []
    if service is not None and service.bookable:
        rows.append([(_("📅 Запазете час"), "book:start")])
    rows.append(back_row(f"info:grp:{group.key}"))
    return rows


def contacts_rows(content: Content) -> Rows:
    rows: Rows = []
    if content.contacts.latitude is not None and content.contacts.longitude is not None:
        rows.append([(_("📍 Покажете на картата"), "info:map")])
    rows.append([menu_button()])
    return rows


# --- handlers ------------------------------------------------------------------------------


async def about(update: Update, context: BotContext) -> None:
    """Show the centre: name, opening date, the park setting; more views behind buttons."""
    content = context.services.content
    await show(update, about_text(content), inline(about_rows(content)))


async def about_more(update: Update, context: BotContext) -> None:
    """Show capacity, activities and approach."""
    content = context.services.content
    await show(update, about_more_text(content), inline([back_row("info:about")]))


async def target_groups(update: Update, context: BotContext) -> None:
    """Show the target groups, a few per page."""
    content = context.services.content
    assert context.match is not None
    page = int(context.match.group(1))
    if not 1 <= page <= group_pages(content):
        await stale(update, context)
        return
    await show(update, groups_text(content, page), inline(groups_rows(content, page)))


async def team(update: Update, context: BotContext) -> None:
    """Show who works in the centre."""
    content = context.services.content
    await show(update, team_text(content), inline([back_row("info:about")]))


async def conditions(update: Update, context: BotContext) -> None:
    """Show the two conditions of use."""
    content = context.services.content
    rows: Rows = [[(_("📄 Направление от ДСП"), "ref:start")], back_row("info:about")]
    await show(update, conditions_text(content), inline(rows))


async def services_view(update: Update, context: BotContext) -> None:
    """Show the two service groups as buttons."""
    content = context.services.content
    await show(update, services_text(content), inline(services_rows(content)))


async def _show_keyed(
    update: Update,
    context: BotContext,
    text_of: Callable[[Content, str], str | None],
    rows_of: Callable[[Content, str], Rows],
) -> None:
    """Show the view for the key in the button's data; an unknown key is a stale button."""
    content = context.services.content
    assert context.match is not None
    key = context.match.group(1)
    text = text_of(content, key)
    if text is None:
        await stale(update, context)
        return
    await show(update, text, inline(rows_of(content, key)))


async def service_group(update: Update, context: BotContext) -> None:
    """Show one group's summary with a button per service."""
    await _show_keyed(update, context, group_text, group_rows)


async def service(update: Update, context: BotContext) -> None:
    """Show one service: what it is and who it is for."""
    await _show_keyed(update, context, service_text, service_rows)


async def contacts(update: Update, context: BotContext) -> None:
    """Show address, phones, e-mail and the working hours once staff set them."""
    services = context.services
    text = contacts_text(services.content, told_hours(services.db))
    await show(update, text, inline(contacts_rows(services.content)))


async def location(update: Update, context: BotContext) -> None:
    """Send the map pin, only when the content file gives coordinates."""
    contacts_ = context.services.content.contacts
    query = update.callback_query
    chat = update.effective_chat
    if contacts_.latitude is None or contacts_.longitude is None or chat is None:
        await stale(update, context)
        return
    if query is not None:
        await answer_query(query)
    await context.bot.send_location(chat.id, contacts_.latitude, contacts_.longitude)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    return [
        MessageHandler(PRIVATE_MESSAGE & menu_filter("about"), about),
        MessageHandler(PRIVATE_MESSAGE & menu_filter("services"), services_view),
        MessageHandler(PRIVATE_MESSAGE & menu_filter("contacts"), contacts),
        CallbackQueryHandler(about, pattern=r"^info:about$"),
        CallbackQueryHandler(about_more, pattern=r"^info:about:2$"),
        CallbackQueryHandler(target_groups, pattern=r"^info:groups:(\d{1,2})$"),
        CallbackQueryHandler(team, pattern=r"^info:team$"),
        CallbackQueryHandler(conditions, pattern=r"^info:cond$"),
        CallbackQueryHandler(services_view, pattern=r"^info:services$"),
        CallbackQueryHandler(service_group, pattern=r"^info:grp:(\w{1,40})$"),
        CallbackQueryHandler(service, pattern=r"^info:svc:(\w{1,40})$"),
        CallbackQueryHandler(contacts, pattern=r"^info:contacts$"),
        CallbackQueryHandler(location, pattern=r"^info:map$"),
    ]
