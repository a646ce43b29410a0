"""`cop-bot check`: is this installation ready? One line per check, with what to fix.

Checks, with the real settings: the token (getMe), the staff chat (the bot is in it and may
write there), the database and its migration level, the outbox, the content file and the
message catalogs. Nothing is changed (no migration, no message sent).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from telegram import Bot, ChatMember, ChatMemberAdministrator, ChatMemberRestricted
from telegram.error import Forbidden, InvalidToken, TelegramError
from telegram.request import BaseRequest

from bot.config import Settings


@dataclass(frozen=True)
class Finding:
    ok: bool
    what: str
    fix: str = ""

    def line(self) -> str:
        mark = "✓" if self.ok else "✗"
        return f"{mark} {self.what}" + (f" — {self.fix}" if self.fix else "")


def check_database(settings: Settings) -> list[Finding]:
    """Reachable, and at the newest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from storage.db import Database, alembic_config

    db = Database(settings.database_url)
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = MigrationContext.configure(connection).get_current_revision()
        head = ScriptDirectory.from_config(alembic_config(db.engine)).get_current_head()
    except Exception as exc:
        return [
            Finding(
                False,
                f"database: cannot connect ({type(exc).__name__})",
                "check DATABASE_URL and that the database server runs",
            )
        ]
    finally:
        db.dispose()
    found = [Finding(True, f"database: reachable ({db.dialect})")]
    if current == head:
        found.append(Finding(True, f"database: migration {current} (newest)"))
    else:
        found.append(
            Finding(
                False,
                f"database: migration {current or 'none'}, newest is {head}",
                "run `cop-admin db-upgrade` (or start the bot once)",
            )
        )
    return found


def check_outbox(settings: Settings) -> list[Finding]:
    """Messages still to go out, and messages to parents that failed."""
    from sqlmodel import col, func, select

    from storage.db import Database
    from storage.models import Outbox
    from storage.outbox import PARENT_KINDS

    db = Database(settings.database_url)
    try:
        with db.read() as session:
            rows = session.exec(
                select(Outbox.state, func.count())
                .where(col(Outbox.kind).in_(PARENT_KINDS) | (col(Outbox.state) != "sent"))
                .group_by(col(Outbox.state))
            ).all()
    except Exception as exc:
        return [Finding(False, f"outbox: not readable ({type(exc).__name__})")]
    finally:
        db.dispose()
    counts = {state: int(n) for state, n in rows}
    waiting = counts.get("pending", 0) + counts.get("claimed", 0)
    failed = counts.get("failed", 0)
    found = [Finding(True, f"outbox: {waiting} message(s) waiting to be sent")]
    if failed:
        found.append(
            Finding(
                False,
                f"outbox: {failed} message(s) to parents could not be delivered",
                "staff see them with /undelivered and call those parents",
            )
        )
    return found


def check_content(settings: Settings) -> list[Finding]:
    from bot.centre import content_for, content_path

    try:
        content = content_for(settings.centre)
    except Exception as exc:
        return [
            Finding(
                False,
                f"content: {content_path(settings.centre).name} does not load "
                f"({type(exc).__name__})",
                "fix the file (see the error) or CENTRE",
            )
        ]
    return [
        Finding(
            True, f"content: {content_path(settings.centre).name} ({content.centre.short_name})"
        )
    ]


def check_catalogs() -> list[Finding]:
    from bot.i18n import LOCALES_DIR, SUPPORTED_LANGUAGES, catalog

    found = []
    for code in SUPPORTED_LANGUAGES:
        po = LOCALES_DIR / code / "LC_MESSAGES" / "messages.po"
        try:
            loaded = po.is_file() and catalog(code).gettext("Начало") != ""
        except Exception:
            loaded = False
        found.append(
            Finding(True, f"catalog {code}: loaded")
            if loaded
            else Finding(False, f"catalog {code}: missing or broken", "run scripts/i18n.py")
        )
    return found


def _can_write(member: ChatMember) -> tuple[bool, str]:
    if member.status in (ChatMember.LEFT, ChatMember.BANNED):
        return False, "the bot is not in the chat"
    if isinstance(member, ChatMemberRestricted) and not member.can_send_messages:
        return False, "the bot may not send messages there"
    if isinstance(member, ChatMemberAdministrator):
        return True, "administrator"
    return True, member.status


async def check_telegram(settings: Settings, request: BaseRequest | None = None) -> list[Finding]:
    """The token works; the bot can write in STAFF_CHAT_ID (cards, lines, edits)."""
    if not settings.telegram_bot_token:
        return [Finding(False, "token: TELEGRAM_BOT_TOKEN is not set", "set it (from @BotFather)")]
    kwargs: dict[str, Any] = (
        {"base_url": settings.telegram_base_url} if settings.telegram_base_url else {}
    )
    bot = Bot(settings.telegram_bot_token, request=request, get_updates_request=request, **kwargs)
    found: list[Finding] = []
    try:
        await bot.initialize()
    except InvalidToken:
        return [
            Finding(False, "token: Telegram does not accept it", "copy it again from @BotFather")
        ]
    except TelegramError as exc:
        return [
            Finding(
                False,
                f"token: Telegram not reachable ({type(exc).__name__})",
                "check the network or PROXY_URL / HTTPS_PROXY",
            )
        ]
    try:
        found.append(Finding(True, f"token: @{bot.username} (id {bot.id})"))
        chat_id = settings.staff_chat_id
        if chat_id is None:
            found.append(
                Finding(
                    True,
                    "staff chat: STAFF_CHAT_ID not set; cards go to each staff member's "
                    "private chat",
                )
            )
            return found
        try:
            chat = await bot.get_chat(chat_id)
            member = await bot.get_chat_member(chat_id, bot.id)
        except (Forbidden, TelegramError) as exc:
            found.append(
                Finding(
                    False,
                    f"staff chat {chat_id}: not reachable ({type(exc).__name__})",
                    "add the bot to the staff group and check STAFF_CHAT_ID",
                )
            )
            return found
        ok, how = _can_write(member)
        title = chat.title or chat.type
        found.append(
            Finding(ok, f"staff chat {chat_id} ({title}): {how}")
            if ok
            else Finding(
                False,
                f"staff chat {chat_id} ({title}): {how}",
                "add the bot to the group and let it send messages",
            )
        )
        return found
    finally:
        await bot.shutdown()


async def run_checks(
    settings: Settings, request: BaseRequest | None = None, echo: Callable[[str], None] = print
) -> bool:
    """Print the report; True when everything needed is in order."""
    findings = [
        *(await check_telegram(settings, request)),
        *check_database(settings),
        *check_outbox(settings),
        *check_content(settings),
        *check_catalogs(),
    ]
    for finding in findings:
        echo(finding.line())
    problems = [f for f in findings if not f.ok]
    echo("All good." if not problems else f"{len(problems)} thing(s) to fix.")
    return not problems
