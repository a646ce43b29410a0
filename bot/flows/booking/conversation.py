"""The booking conversation wired together: its states, entry points and fallbacks."""

from __future__ import annotations

import warnings
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.flows.booking.callbacks import (
    abort,
    all_days,
    already_booked,
    back,
    change,
    change_what,
    choose_day,
    choose_time,
    choose_topic,
    confirm,
    consent,
    expect_button,
    hand_over,
    leave_summary,
    old_button,
    skip_note,
    start,
    timed_out,
    turn_page,
    write_name,
    write_note,
    write_phone,
)
from bot.flows.booking.state import (
    ASK_NAME,
    ASK_PHONE,
    CHANGE,
    CONSENT,
    DAY,
    NAME,
    NOTE,
    SUMMARY,
    TIME,
    TOPIC,
    clear,
    data,
)
from bot.routing import answered, handed_over
from bot.steps import until_deadline
from bot.ui import ANY_MENU_BUTTON, menu_filter


def handlers(timeout_minutes: int = 30) -> list[BaseHandler]:  # type: ignore[type-arg]
    """The booking conversation, then the answer to a late second tap on Потвърди."""
    private = filters.ChatType.PRIVATE
    text_in = private & filters.TEXT & ~filters.COMMAND & ~ANY_MENU_BUTTON
    anything_else = private & ~filters.COMMAND & ~ANY_MENU_BUTTON & ~filters.StatusUpdate.ALL

    # Every step answers the update itself (`answered`: no later group answers it too),
    # except the hand-over to the menu, which ends the booking and lets the main group answer.
    def cb(callback: Any, pattern: str) -> CallbackQueryHandler:  # type: ignore[type-arg]
        return CallbackQueryHandler(answered(callback), pattern=pattern)

    def on(message_filter: filters.BaseFilter, callback: Any) -> MessageHandler:  # type: ignore[type-arg]
        return MessageHandler(message_filter, answered(callback))

    back_handler = cb(back, r"^book:back$")

    def typed(callback: Any) -> Any:
        """A typed step past its stored deadline: the text is ordinary text (bot.steps)."""
        return until_deadline(data, clear, callback)

    with warnings.catch_warnings():
        # per_message=False is intended: the text steps need per-chat tracking.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        conversation = ConversationHandler(
            entry_points=[
                CommandHandler("book", answered(start), filters=private),
                on(private & menu_filter("book"), start),
                cb(start, r"^book:start$"),
            ],
            states={
                TOPIC: [
                    cb(choose_topic, r"^book:topic:"),
                    on(anything_else, expect_button),
                ],
                NOTE: [
                    cb(skip_note, r"^book:skip$"),
                    back_handler,
                    on(text_in, typed(write_note)),
                    on(anything_else, expect_button),
                ],
                DAY: [
                    cb(choose_day, r"^book:day:"),
                    cb(turn_page, r"^book:page:"),
                    back_handler,
                    on(anything_else, expect_button),
                ],
                TIME: [
                    cb(choose_time, r"^book:time:"),
                    cb(choose_day, r"^book:day:"),
                    cb(all_days, r"^book:days$"),
                    back_handler,
                    on(anything_else, expect_button),
                ],
                CONSENT: [
                    cb(consent, r"^book:consent:"),
                    back_handler,
                    on(anything_else, expect_button),
                ],
                ASK_NAME: [
                    back_handler,
                    on(text_in, typed(write_name)),
                    on(anything_else, expect_button),
                ],
                ASK_PHONE: [
                    back_handler,
                    on(private & filters.CONTACT, typed(write_phone)),
                    on(text_in, typed(write_phone)),
                    on(anything_else, expect_button),
                ],
                SUMMARY: [
                    cb(confirm, r"^book:confirm$"),
                    cb(change, r"^book:change$"),
                    back_handler,  # from the question a menu button asked (back to the summary)
                    on(private & ANY_MENU_BUTTON, leave_summary),
                    on(anything_else, expect_button),
                ],
                CHANGE: [
                    cb(change_what, r"^book:chg:"),
                    back_handler,
                    on(anything_else, expect_button),
                ],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[
                CommandHandler("cancel", answered(abort)),
                cb(abort, r"^book:abort$"),
                MessageHandler(private & ANY_MENU_BUTTON, handed_over(hand_over)),
                # /start and /menu start afresh; /help and /privacy answer and keep the step.
                CommandHandler(["start", "menu"], handed_over(hand_over), filters=private),
                # issue 22: ends the booking; the waiting list (main group) answers it
                CallbackQueryHandler(handed_over(hand_over), pattern=r"^wl:join:"),
                cb(old_button, r"^book:"),
            ],
            name=NAME,
            persistent=True,
            allow_reentry=True,
            conversation_timeout=timedelta(minutes=timeout_minutes),
        )
    # Outside the conversation (the main group): nothing after it, so no `answered` needed.
    return [conversation, CallbackQueryHandler(already_booked, pattern=r"^book:confirm$")]
