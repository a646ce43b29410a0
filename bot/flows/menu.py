"""Greeting, main menu, help and the privacy notice."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.flows.language import CHOOSE_IN_EVERY_LANGUAGE, offers_choice
from bot.i18n import _
from bot.services import Services
from bot.ui import answer_query, main_menu, require_message


async def start(update: Update, context: BotContext) -> None:
    """Greet the parent once and show the main menu."""
    centre = context.services.content.centre
    text = _(
        "Здравейте! Това е ботът на {centre} ({short}).\n"
        "Тук можете да научите какво предлагаме, да запазите час за консултация "
        "и да разберете как се получава направление.\n\n"
        "Пазим само данните, за които Ви помолим. Повече: /privacy"
    ).format(centre=_(centre.name), short=_(centre.short_name))
    user = update.effective_user
    if user is not None and offers_choice(
        user.language_code, context.services.languages.stored(user.id)
    ):
        text += "\n\n" + CHOOSE_IN_EVERY_LANGUAGE
    await require_message(update).reply_text(text, reply_markup=main_menu())


async def show_menu(update: Update, context: BotContext) -> None:
    """Bring back the main menu."""
    if update.callback_query is not None:
        await answer_query(update.callback_query)
    await require_message(update).reply_text(
        _("Изберете от менюто какво Ви интересува."), reply_markup=main_menu()
    )


async def help_command(update: Update, context: BotContext) -> None:
    """List what the bot can do and the commands."""
    text = _(
        "С какво мога да помогна:\n"
        "• информация за центъра и услугите;\n"
        "• запазване, преместване и отмяна на час;\n"
        "• как се получава направление от Дирекция „Социално подпомагане“ (ДСП);\n"
        "• спешни телефони.\n\n"
        "Команди: /menu — меню, /privacy — лични данни, /mydata — какво пазим за Вас, "
        "/forget — изтриване на данните, /cancel — прекратяване на текущото действие, "
        "/language — език."
    )
    await require_message(update).reply_text(text, reply_markup=main_menu())


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    """/cancel outside a conversation: say there is nothing to stop and show the menu."""
    await require_message(update).reply_text(
        _("Няма започнато действие за прекратяване. Изберете от менюто какво Ви интересува."),
        reply_markup=main_menu(),
    )


def privacy_text(services: Services) -> str:
    """The notice domain.md asks for: controller, purposes, retention, rights, КЗЛД."""
    content = services.content
    contacts = content.contacts
    reach = contacts.email or contacts.main_phone.display
    lines = [
        _("🔒 Лични данни"),
        "",
        _("Администратор: {centre}, {address}, {reach}.").format(
            centre=_(content.centre.name), address=_(contacts.address), reach=reach
        ),
    ]
    if contacts.dpo:
        lines.append(_("Длъжностно лице по защита на данните: {dpo}.").format(dpo=contacts.dpo))
    lines += [
        _("Цел: да запазим и потвърдим Вашия час и да Ви напомним за него."),
        _("Какво пазим: име за обръщение и телефон — само с Вашето съгласие."),
        _("Срок: до {days} дни след часа, после данните се заличават.").format(
            days=services.settings.retention_days
        ),
        _(
            "Права: да видите данните си (/mydata), да ги изтриете (/forget), "
            "да оттеглите съгласието си и да подадете жалба."
        ),
        _(
            "Надзорен орган: Комисия за защита на личните данни (КЗЛД), "
            "бул. „Проф. Цветан Лазаров“ 2, София 1592, kzld@cpdp.bg."
        ),
    ]
    return "\n".join(lines)


async def privacy(update: Update, context: BotContext) -> None:
    """Show the privacy notice: controller, purposes, retention, rights, КЗЛД."""
    await require_message(update).reply_text(
        privacy_text(context.services), reply_markup=main_menu()
    )


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    return [
        CommandHandler("start", start),
        CommandHandler("menu", show_menu),
        CommandHandler("help", help_command),
        CommandHandler("privacy", privacy),
        # After the conversations, whose own /cancel wins while one is in progress.
        CommandHandler("cancel", nothing_to_cancel, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(show_menu, pattern=r"^menu:show$"),
    ]
