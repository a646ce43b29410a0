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
from bot.flows.common import ANYTHING_ELSE, TEXT_IN, answered_callback, answered_message
from bot.routing import answered, handed_over
from bot.steps import until_deadline
from bot.ui import ANY_MENU_BUTTON, menu_filter


def handlers(timeout_minutes: int = 30) -> list[BaseHandler]:  # type: ignore[type-arg]
    """The booking conversation, then the answer to a late second tap on Потвърди."""
    private = filters.ChatType.PRIVATE

    # Every step answers the update itself (`answered`: no later group answers it too),
    # except the hand-over to the menu, which ends the booking and lets the main group answer.
    back_handler = answered_callback(back, r"^book:back$")

    def typed(callback: Any) -> Any:
        """A typed step past its stored deadline: the text is ordinary text (bot.steps)."""
        return until_deadline(data, clear, callback)

    with warnings.catch_warnings():
        # per_message=False is intended: the text steps need per-chat tracking.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        conversation = ConversationHandler(
            entry_points=[
                CommandHandler("book", answered(start), filters=private),
                answered_message(private & menu_filter("book"), start),
                answered_callback(start, r"^book:start$"),
            ],
            states={
                TOPIC: [
                    answered_callback(choose_topic, r"^book:topic:"),
                    answered_message(ANYTHING_ELSE, expect_button),
                ],
                NOTE: [
                    answered_callback(skip_note, r"^book:skip$"),
                    back_handler,
                    answered_message(TEXT_IN, typed(write_note)),
                    answered_message(ANYTHING_ELSE, expect_button),
                ],
                DAY: [
                    answered_callback(choose_day, r"^book:day:"),
                    answered_callback(turn_page, r"^book:page:"),
                    back_handler,
                    answered_message(ANYTHING_ELSE, expect_button),
                ],
                TIME: [
                    answered_callback(choose_time, r"^book:time:"),
                    answered_callback(choose_day, r"^book:day:"),
                    answered_callback(all_days, r"^book:days$"),
                    back_handler,
                    answered_message(ANYTHING_ELSE, expect_button),
                ],
                CONSENT: [
                    answered_callback(consent, r"^book:consent:"),
                    back_handler,
                    answered_message(ANYTHING_ELSE, expect_button),
                ],
                ASK_NAME: [
                    back_handler,
                    answered_message(TEXT_IN, typed(write_name)),
                    answered_message(ANYTHING_ELSE, expect_button),
                ],
                ASK_PHONE: [
                    back_handler,
                    answered_message(private & filters.CONTACT, typed(write_phone)),
                    answered_message(TEXT_IN, typed(write_phone)),
                    answered_message(ANYTHING_ELSE, expect_button),
                ],
                SUMMARY: [
                    answered_callback(confirm, r"^book:confirm$"),
                    answered_callback(change, r"^book:change$"),
                    back_handler,  # from the question a menu button asked (back to the summary)
                    answered_message(private & ANY_MENU_BUTTON, leave_summary),
                    answered_message(ANYTHING_ELSE, expect_button),
                ],
                CHANGE: [
                    answered_callback(change_what, r"^book:chg:"),
                    back_handler,
                    answered_message(ANYTHING_ELSE, expect_button),
                ],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[
                CommandHandler("cancel", answered(abort)),
                answered_callback(abort, r"^book:abort$"),
                MessageHandler(private & ANY_MENU_BUTTON, handed_over(hand_over)),
                # /start and /menu start afresh; /help and /privacy answer and keep the step.
                CommandHandler(["start", "menu"], handed_over(hand_over), filters=private),
                # issue 22: ends the booking; the waiting list (main group) answers it
                CallbackQueryHandler(handed_over(hand_over), pattern=r"^wl:join:"),
                answered_callback(old_button, r"^book:"),
            ],
            name=NAME,
            persistent=True,
            allow_reentry=True,
            conversation_timeout=timedelta(minutes=timeout_minutes),
        )
    # Outside the conversation (the main group): nothing after it, so no `answered` needed.
    return [conversation, CallbackQueryHandler(already_booked, pattern=r"^book:confirm$")]
