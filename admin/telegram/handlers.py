"""Staff commands and buttons (`st:`), and parents' answers to staff proposals (`prop:`).

Only the wiring lives here: `handlers(settings)` lists them in the order PTB must try them.
Each handler is thin: parse the update, call one `admin` service (which checks the staff list
on every call), render with `admin.telegram.cards`. Anyone who is not staff gets the ordinary
"Не успях да разбера…" answer and nothing more. Where each feature lives:

- `access`: the staff check's refusal, the button guard, the `st:` catch-all;
- `replies`: parsing callback data, replying, refreshing cards, writing to the parent;
- `typed_input`: the `staff_input` conversation (typed reason or note);
- `invites`: /staff CODE, /start and /help in the staff group;
- `lists`: /today /tomorrow /week /pending /undelivered /find /stats;
- `waitlist`: /waitlist, and the survey's lines in /stats;
- `opening`: /hours /close /open and notifying the closed day's parents;
- `exports`: /export;
- `booking_cards`: the card's confirm / decline / another time, and parents' `prop:` answers;
- `appointment_view`: an opened appointment's come / not come / remind now;
- `web_link`: /web, a one-time sign-in link to the web desk (`admin.web`).
- `questions`: parents' questions: /questions, "Отговорете" / "Затворете" (`st:qa:`, `st:qx:`);
  staff's replies to a question's messages arrive through `bot.flows.ask.reply`.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from admin.telegram.access import button, stale
from admin.telegram.appointment_view import mark, open_appointment, remind_now
from admin.telegram.booking_cards import (
    ask_reason,
    back,
    choose_slot,
    confirm,
    preset_reason,
    proposal_answer,
    propose_slot,
)
from admin.telegram.exports import export_month
from admin.telegram.invites import group_start, join
from admin.telegram.lists import (
    find,
    pending,
    show_stats,
    today,
    tomorrow,
    undelivered,
    week,
)
from admin.telegram.opening import close, notify_closure, open_, show_hours
from admin.telegram.questions import answer_button, list_questions
from admin.telegram.typed_input import INPUT_KEY, typing_conversation
from admin.telegram.waitlist import show_waitlist
from admin.telegram.web_link import web_link
from bot.config import Settings

# INPUT_KEY: the crisis flow stays quiet while a staff member types a reason or a note.
__all__ = ["INPUT_KEY", "handlers"]


def handlers(settings: Settings) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Staff commands and buttons; each checks the staff list itself, on every call."""
    return [
        typing_conversation(settings),  # before the buttons: it owns "Друга причина"/note
        CommandHandler("staff", join),
        # The invite QR (web desk) opens the bot with /start staff-CODE: before the menu's /start.
        CommandHandler(
            "start", join, filters=filters.ChatType.PRIVATE & filters.Regex(r"^/start staff-")
        ),
        # Before the parents' /start and /help: no parents' menu keyboard in the staff group.
        CommandHandler(["start", "help"], group_start, filters=~filters.ChatType.PRIVATE),
        CommandHandler("today", today),
        CommandHandler("tomorrow", tomorrow),
        CommandHandler("week", week),
        CommandHandler("pending", pending),
        CommandHandler("undelivered", undelivered),
        CommandHandler("find", find),
        CommandHandler("stats", show_stats),
        CommandHandler("waitlist", show_waitlist),  # issue 22
        CommandHandler("hours", show_hours),
        CommandHandler("close", close),
        CommandHandler("open", open_),
        CommandHandler("export", export_month),
        CommandHandler("web", web_link),
        CommandHandler("questions", list_questions),  # parents' questions (questions.py)
        CallbackQueryHandler(answer_button, pattern=r"^st:q[ax]:\d+$"),
        CallbackQueryHandler(button(confirm), pattern=r"^st:ok:\d+$"),
        CallbackQueryHandler(button(ask_reason), pattern=r"^st:(no|cx):\d+$"),
        CallbackQueryHandler(button(preset_reason), pattern=r"^st:r:[dc]:\d+:\d+$"),
        CallbackQueryHandler(button(choose_slot), pattern=r"^st:mv:\d+(:\d+)?$"),
        CallbackQueryHandler(button(propose_slot), pattern=r"^st:ms:\d+:\d+$"),
        CallbackQueryHandler(button(open_appointment), pattern=r"^st:open:\d+$"),
        CallbackQueryHandler(button(back), pattern=r"^st:back:\d+$"),
        CallbackQueryHandler(button(mark), pattern=r"^st:(att|ns):\d+$"),
        CallbackQueryHandler(button(remind_now), pattern=r"^st:rem:\d+$"),
        CallbackQueryHandler(button(notify_closure), pattern=r"^st:cl:\d{8}$"),
        # last of the st: buttons: the catch-all
        CallbackQueryHandler(stale, pattern=r"^st:"),
        CallbackQueryHandler(proposal_answer, pattern=r"^prop:(yes|no):\d+$"),
    ]
