"""Greeting, main menu, help and the privacy notice."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.i18n import _
from bot.ui import main_menu, require_message


async def start(update: Update, context: BotContext) -> None:
    """Greet the parent once and show the main menu."""
    centre = context.services.content.centre
    text = _(
        "Здравейте! Това е ботът на {centre}.\n"
        "Тук можете да научите какво предлагаме, да запазите час за консултация "
        "и да разберете как се получава направление.\n\n"
        "Пазим само данните, за които Ви помолим. Повече: /privacy"
    ).format(centre=_(centre.short_name))
    await require_message(update).reply_text(text, reply_markup=main_menu())


async def show_menu(update: Update, context: BotContext) -> None:
    """Bring back the main menu."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    await require_message(update).reply_text(
        _("Изберете от менюто какво Ви интересува."), reply_markup=main_menu()
    )


async def help_command(update: Update, context: BotContext) -> None:
    """List what the bot can do and the commands."""
    text = _(
        "С какво мога да помогна:\n"
        "• информация за центъра и услугите;\n"
        "• запазване, преместване и отказ на час;\n"
        "• как се получава направление от ДСП;\n"
        "• спешни телефони.\n\n"
        "Команди: /menu — меню, /privacy — лични данни, /mydata — какво пазим за Вас, "
        "/forget — изтриване на данните, /cancel — прекратяване на текущото действие."
    )
    await require_message(update).reply_text(text, reply_markup=main_menu())


async def privacy(update: Update, context: BotContext) -> None:
    """Show the privacy notice: controller, purposes, retention, rights, КЗЛД."""
    services = context.services
    content = services.content
    text = _(
        "Лични данни\n\n"
        "Администратор: {centre}, {address}, {email}.\n"
        "Цел: само за да запазим и потвърдим Вашия час и да Ви напомним за него.\n"
        "Какво пазим: име за обръщение и телефон — само с Вашето съгласие.\n"
        "Срок: до {days} дни след часа, после данните се заличават.\n"
        "Права: да видите данните си (/mydata), да ги изтриете (/forget), "
        "да оттеглите съгласието си.\n"
        "Надзорен орган: Комисия за защита на личните данни (КЗЛД), "
        "бул. „Проф. Цветан Лазаров“ 2, София 1592, kzld@cpdp.bg."
    ).format(
        centre=_(content.centre.name),
        address=_(content.contacts.address),
        email=content.contacts.email or content.contacts.main_phone.display,
        days=services.settings.retention_days,
    )
    await require_message(update).reply_text(text, reply_markup=main_menu())


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    return [
        CommandHandler("start", start),
        CommandHandler("menu", show_menu),
        CommandHandler("help", help_command),
        CommandHandler("privacy", privacy),
        CallbackQueryHandler(show_menu, pattern=r"^menu:show$"),
    ]
