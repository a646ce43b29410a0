"""Run the emulator alone: `python -m tests.emulator --port 9000` (Ctrl-C stops it).

Point a bot at it with TELEGRAM_BASE_URL=http://127.0.0.1:9000/bot and
TELEGRAM_BOT_TOKEN=123:TEST; type lines as user 1001 (`/contact 0888123456` shares a
contact, `!N` presses inline button N of the newest message with buttons).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from tests.emulator.client import User
from tests.emulator.server import Emulator, inline_buttons


async def _main(port: int, token: str, interactive: bool) -> None:
    emulator = Emulator(token)
    await emulator.start(port)
    print(f"Bot API emulator on {emulator.base_url} (token {token})", flush=True)
    user = User(emulator, 1001)
    seen = 0

    def show() -> None:
        nonlocal seen
        for event in emulator.chat_events(user.chat_id, after=seen):
            print(f"[bot {event.method}] {event.text}")
            for i, (label, data) in enumerate(event.buttons(), 1):
                print(f"   !{i} {label}  ({data})")
            seen = event.seq

    loop = asyncio.get_running_loop()
    try:
        while True:
            if not interactive:
                await asyncio.sleep(3600)
                continue
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            line = line.strip()
            if line.startswith("!") and line[1:].isdigit():
                buttons = inline_buttons(user.last_with_buttons())
                index = int(line[1:]) - 1
                if 0 <= index < len(buttons) and buttons[index][1]:
                    user.tap(str(buttons[index][1]))
            elif line.startswith("/contact "):
                user.share_contact(line.split(maxsplit=1)[1])
            elif line:
                user.send(line)
            await asyncio.sleep(0.5)
            show()
    finally:
        await emulator.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.emulator", description=__doc__)
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--token", default="123:TEST")
    parser.add_argument("--no-input", action="store_true", help="serve only, read no stdin")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(args.port, args.token, not args.no_input))


if __name__ == "__main__":
    main()
