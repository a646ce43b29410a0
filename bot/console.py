"""`cop-bot console`: the real Application in a terminal, over the offline Bot API."""

from __future__ import annotations

import asyncio
import sys

from bot.app import build_application
from bot.config import Settings
from bot.fakeapi import Call, FakeBotAPI
from bot.updates import make_callback, make_contact, make_message

HELP = "Напишете съобщение. !N натиска бутон N; !contact НОМЕР споделя телефон; !quit излиза."


def _render(call: Call, buttons: list[tuple[str, str | None]]) -> str:
    if call.method in ("answerCallbackQuery",):
        return f"  · {call.params['text']}" if call.params.get("text") else ""
    if call.method not in ("sendMessage", "editMessageText", "sendDocument", "sendLocation"):
        return ""
    head = "✎ " if call.method.startswith("edit") else ""
    body = call.text
    if call.method == "sendDocument":
        body = f"[файл] {body}"
    if call.method == "sendLocation":
        body = f"[карта] {call.params.get('latitude')}, {call.params.get('longitude')}"
    lines = [f"🤖 {head}{line}" for line in body.splitlines() or [""]]
    for index, (label, _data) in enumerate(
        call.buttons(), start=len(buttons) - len(call.buttons()) + 1
    ):
        lines.append(f"   [{index}] {label}")
    return "\n".join(lines)


async def _chat(settings: Settings, user_id: int, language: str) -> None:
    fake = FakeBotAPI()
    application = build_application(settings, request=fake, rate_limiter=False)
    # Buttons of the newest message that has any: (label, callback_data, message_id).
    state: dict[str, object] = {"buttons": [], "message_id": 0, "text": ""}

    def on_call(call: Call) -> None:
        labels = call.buttons()
        if labels and call.chat_id == user_id:
            state["buttons"] = labels
            state["message_id"] = call.message_id or 0
            state["text"] = call.text
        rendered = _render(call, labels)
        if rendered and (call.chat_id in (None, user_id) or call.method == "answerCallbackQuery"):
            print(rendered, flush=True)
        elif rendered:
            print(f"[чат {call.chat_id}]\n{rendered}", flush=True)

    fake.listeners.append(on_call)
    async with application:
        if application.post_init is not None:  # run_polling would call it; we do not poll
            await application.post_init(application)
        await application.start()
        print(HELP, flush=True)
        bot = application.bot
        await application.process_update(make_message(bot, user_id, "/start", language=language))
        while True:
            try:
                line = await asyncio.to_thread(input, "👤 ")
            except EOFError:
                break
            line = line.strip()
            if not line:
                continue
            if line in ("!quit", "!q"):
                break
            if line.startswith("!contact"):
                phone = line.removeprefix("!contact").strip() or "+359888123456"
                update = make_contact(bot, user_id, phone, language=language)
            elif line.startswith("!") and line[1:].isdigit():
                buttons = state["buttons"]
                assert isinstance(buttons, list)
                index = int(line[1:]) - 1
                if not 0 <= index < len(buttons):
                    print("Няма такъв бутон.", flush=True)
                    continue
                label, data = buttons[index]
                if data is None:  # a reply-keyboard button sends its label as text
                    update = make_message(bot, user_id, label, language=language)
                else:
                    update = make_callback(
                        bot,
                        user_id,
                        data,
                        message_id=int(state["message_id"]),  # type: ignore[call-overload]
                        message_text=str(state["text"]),
                        language=language,
                    )
            else:
                update = make_message(bot, user_id, line, language=language)
            await application.process_update(update)
        await application.stop()


def run_console(settings: Settings, *, user_id: int, language: str) -> None:
    try:
        asyncio.run(_chat(settings, user_id, language))
    except KeyboardInterrupt:
        sys.exit(130)
