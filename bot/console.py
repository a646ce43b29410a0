"""`cop-bot console`: the real Application in a terminal, over the offline Bot API.

Buttons are numbered in one list: the reply keyboard (the main menu) first, then the
inline buttons of the newest message that has any. `!N` presses button N. The reply
keyboard is printed only when it changes, so the chat does not drown in menus.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from typing import Any

from bot.app import build_application
from bot.background import settle
from bot.config import Settings
from bot.fakeapi import Call, FakeBotAPI
from bot.updates import make_callback, make_contact, make_message

HELP = (
    "Напишете съобщение и натиснете Enter. Бутоните са номерирани: !N натиска бутон N; "
    "!contact НОМЕР споделя телефон; !quit излиза."
)
_SHOWN = ("sendMessage", "editMessageText", "sendDocument", "sendLocation", "sendContact")


def _markup(call: Call) -> dict[str, Any]:
    markup = call.params.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    return markup if isinstance(markup, dict) else {}


def _label(button: Any) -> str:
    return button if isinstance(button, str) else str(button.get("text", ""))


class ConsoleView:
    """What the terminal shows, and which button `!N` means right now."""

    def __init__(self, user_id: int, out: Callable[[str], None]) -> None:
        self.user_id = user_id
        self.out = out
        self.keyboard: list[list[str]] = []  # reply keyboard rows (labels)
        self.inline: list[list[tuple[str, str]]] = []  # newest inline rows (label, data)
        self.inline_message_id = 0
        self.inline_text = ""

    # --- numbering -----------------------------------------------------------------------
    def _keyboard_count(self) -> int:
        return sum(len(row) for row in self.keyboard)

    def buttons(self) -> list[tuple[str, str | None]]:
        """Every pressable button in `!N` order: reply keyboard, then inline."""
        out: list[tuple[str, str | None]] = [
            (label, None) for row in self.keyboard for label in row
        ]
        out += [(label, data) for row in self.inline for label, data in row]
        return out

    def press(self, number: int) -> tuple[str, str | None] | None:
        buttons = self.buttons()
        return buttons[number - 1] if 1 <= number <= len(buttons) else None

    # --- rendering -----------------------------------------------------------------------
    def on_call(self, call: Call) -> None:
        if call.method == "answerCallbackQuery":
            if call.params.get("text"):
                self.out(f"   · {call.params['text']}")
            return
        if call.method not in _SHOWN:
            return
        mine = call.chat_id in (None, self.user_id)
        lines = self._body(call)
        if not mine:  # e.g. an announcement to the staff chat
            self.out(f"[чат {call.chat_id}]\n" + "\n".join(lines))
            return
        markup = _markup(call)
        if "inline_keyboard" in markup:
            self.inline = [
                [(_label(b), str(b.get("callback_data") or "")) for b in row]
                for row in markup["inline_keyboard"]
            ]
            self.inline_message_id = call.message_id or 0
            self.inline_text = call.text
            lines += self._inline_lines()
        elif call.method.startswith("edit") and call.message_id == self.inline_message_id:
            self.inline = []  # an edit without buttons removes them
        self.out("\n".join(lines))
        if "keyboard" in markup:
            rows = [[_label(b) for b in row] for row in markup["keyboard"]]
            if rows != self.keyboard:
                self.keyboard = rows
                self.out(self._keyboard_text())
        elif markup.get("remove_keyboard") and self.keyboard:
            self.keyboard = []
            self.out("⌨️ (менюто е скрито)")

    def _body(self, call: Call) -> list[str]:
        head = "✎ " if call.method.startswith("edit") else ""
        body = call.text
        if call.method == "sendDocument":
            body = f"[файл] {body}"
        elif call.method == "sendLocation":
            body = f"[карта] {call.params.get('latitude')}, {call.params.get('longitude')}"
        elif call.method == "sendContact":
            body = f"[контакт] {call.params.get('phone_number')}"
        first, *rest = body.splitlines() or [""]
        return [f"🤖 {head}{first}", *(f"   {line}".rstrip() for line in rest)]

    def _inline_lines(self) -> list[str]:
        number = self._keyboard_count()
        lines = []
        for row in self.inline:
            cells = []
            for label, _data in row:
                number += 1
                cells.append(f"[{number}] {label}")
            lines.append("   " + "   ".join(cells))
        return lines

    def _keyboard_text(self) -> str:
        number = 0
        lines = ["⌨️ Меню (натиснете с !N):"]
        for row in self.keyboard:
            cells = []
            for label in row:
                number += 1
                cells.append(f"[{number}] {label}")
            lines.append("   " + "   ".join(cells))
        return "\n".join(lines)


def _print(text: str) -> None:
    print(text, flush=True)


async def _chat(
    settings: Settings,
    user_id: int,
    language: str,
    *,
    read: Callable[[str], str] = input,
    out: Callable[[str], None] = _print,
) -> None:
    fake = FakeBotAPI()
    application = build_application(settings, request=fake, rate_limiter=False)
    view = ConsoleView(user_id, out)
    fake.listeners.append(view.on_call)
    async with application:
        if application.post_init is not None:  # run_polling would call it; we do not poll
            await application.post_init(application)
        await application.start()
        desk = None
        if settings.web_port:  # the staff's web desk beside the chat, with a demo admin
            from admin.web.serve import start_for_console

            desk = await start_for_console(application, out)
        out(HELP)
        bot = application.bot
        await application.process_update(make_message(bot, user_id, "/start", language=language))
        while True:
            try:
                line = (await asyncio.to_thread(read, "👤 ")).strip()
            except EOFError:
                break
            if not line:
                continue
            if line in ("!quit", "!q"):
                break
            if line.startswith("!contact"):
                phone = line.removeprefix("!contact").strip() or "+359888123456"
                update = make_contact(bot, user_id, phone, language=language)
            elif line.startswith("!") and line[1:].isdigit():
                pressed = view.press(int(line[1:]))
                if pressed is None:
                    out(f"Няма бутон {line[1:]}. Бутоните са от 1 до {len(view.buttons())}.")
                    continue
                label, data = pressed
                if data == "":  # a link button: nothing to send to the bot
                    out("Този бутон отваря връзка извън бота.")
                    continue
                if data is None:  # a reply-keyboard button sends its label as text
                    update = make_message(bot, user_id, label, language=language)
                else:
                    update = make_callback(
                        bot,
                        user_id,
                        data,
                        message_id=view.inline_message_id,
                        message_text=view.inline_text,
                        language=language,
                    )
            else:
                update = make_message(bot, user_id, line, language=language)
            await application.process_update(update)
            await settle()
        if desk is not None:
            desk[0].should_exit = True
            await desk[1]
        await application.stop()


def run_console(settings: Settings, *, user_id: int, language: str) -> None:
    try:
        asyncio.run(_chat(settings, user_id, language))
    except KeyboardInterrupt:
        sys.exit(130)
