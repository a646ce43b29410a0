"""Staff services for parents' questions: answer, close with a note, list, raise again.

Every call checks the staff list inside its own transaction (`admin.staff.require`), so a
removed staff member cannot answer from an old card. The texts of cards, follow-ups and the
parent's answer are built here as plain strings and (label, data) rows: the Telegram side
only sends them, and a dispatcher can send them the same way.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_timedelta

from admin import staff as staff_service
from admin.texts import short_stamp
from bot.centre import Content
from bot.i18n import N_, _, babel_locale
from storage import questions as repo
from storage.db import Database
from storage.models import QuestionStatus
from storage.questions import Line, QuestionView

Rows = list[list[tuple[str, str]]]

LANGUAGE_NAMES = {"bg": "български", "en": "English"}
CARD_TEXT_MAX = 1500  # the rest of a long question is in the follow-ups' thread
FILE_KINDS = {"photo": N_("📎 снимка"), "document": N_("📎 документ")}


def first_name(name: str | None) -> str:
    """ "Ива Иванова" → "Ива": the parent reads the specialist's first name."""
    return (name or "").split()[0] if (name or "").split() else _("специалист")


# --- services -------------------------------------------------------------------------------


def answer(
    db: Database, *, question_id: int, staff_user_id: int, text: str, now: datetime
) -> QuestionView:
    """Record a staff member's answer; raises NotAllowed, NotFound, AlreadyHandled."""
    with db.session() as session:
        member = staff_service.require(session, staff_user_id)
        return repo.answer(
            session,
            question_id,
            staff_user_id=staff_user_id,
            staff_name=member.name,
            text=text,
            now=now,
        )


def close(
    db: Database, *, question_id: int, staff_user_id: int, note: str, now: datetime
) -> QuestionView:
    """Close a question without an answer (e.g. answered by phone) with an internal note."""
    with db.session() as session:
        member = staff_service.require(session, staff_user_id)
        return repo.close(session, question_id, staff_name=member.name, note=note, now=now)


def open_for_staff(db: Database, *, question_id: int, staff_user_id: int) -> QuestionView:
    """The question, for a staff member only (NotAllowed, NotFound)."""
    with db.read() as session:
        staff_service.require(session, staff_user_id)
        return repo.view(session, question_id)


def list_open(db: Database, *, staff_user_id: int) -> list[QuestionView]:
    """Open questions, oldest first, for a staff member only."""
    with db.read() as session:
        staff_service.require(session, staff_user_id)
        return repo.open_questions(session)


def due_for_raise(db: Database, *, now: datetime, tz: ZoneInfo) -> list[int]:
    with db.read() as session:
        return repo.due_for_raise(session, now=now, tz=tz)


def mark_raised(db: Database, question_id: int, now: datetime) -> None:
    with db.session() as session:
        repo.mark_raised(session, question_id, now)


# --- texts (staff read them in Bulgarian; the caller sets the language) -----------------------


def waiting(view: QuestionView, now: datetime) -> str:
    """ "3 часа": how long the parent has waited (Babel)."""
    return format_timedelta(
        max(now - view.waiting_since, now - now), threshold=1.1, locale=babel_locale()
    )


def _line_text(line: Line) -> str:
    text = line.text
    if line.file_kind:
        mark = _(FILE_KINDS.get(line.file_kind, FILE_KINDS["document"]))
        text = f"{text}\n{mark}" if text else mark
    return text


def status_line(view: QuestionView, tz: ZoneInfo) -> str:
    if view.status == QuestionStatus.closed and view.closed_at:
        line = _("🔒 Затворен: {who}, {when}").format(
            who=view.closed_by or "—", when=short_stamp(view.closed_at, tz)
        )
        if view.close_note:
            line += "\n" + _("Бележка (само за екипа): {note}").format(note=view.close_note)
        return line
    if view.status == QuestionStatus.answered and view.answered_at:
        return _("✅ Отговори {who}, {when}").format(
            who=view.answered_by or "—", when=short_stamp(view.answered_at, tz)
        )
    if view.answered_at:  # answered before, the parent wrote again
        return _("⏳ Родителят писа отново — чака отговор (предишен: {who}, {when})").format(
            who=view.answered_by or "—", when=short_stamp(view.answered_at, tz)
        )
    return _("⏳ Чака отговор")


def card_text(view: QuestionView, tz: ZoneInfo, now: datetime) -> str:
    """The staff card: 🆘 first when needed, who, language, waiting time, the question."""
    lines: list[str] = []
    if view.crisis:
        lines.append(
            _("🆘 СПЕШНО: думи за опасност. Родителят получи телефоните за спешна помощ.")
        )
    lines.append(
        _("💬 Въпрос №{id} · {name} · {language}").format(
            id=view.id,
            name=view.first_name or _("родител"),
            language=LANGUAGE_NAMES.get(view.language, view.language),
        )
    )
    if view.status == QuestionStatus.open:
        lines.append(_("Чака: {waiting}").format(waiting=waiting(view, now)))
    text = _line_text(view.lines[0]) if view.lines else ""
    if len(text) > CARD_TEXT_MAX:
        text = text[:CARD_TEXT_MAX] + "…"
    lines += ["", text, "", status_line(view, tz)]
    if view.status == QuestionStatus.open:
        lines.append(_("Отговорете с „Отговор“ (reply) на това съобщение или с бутона."))
    return "\n".join(lines)


def card_rows(view: QuestionView) -> Rows:
    rows: Rows = []
    if view.status == QuestionStatus.open:
        rows.append([(_("✍️ Отговорете"), f"st:qa:{view.id}")])
    if view.status != QuestionStatus.closed:
        rows.append([(_("🔒 Затворете без отговор"), f"st:qx:{view.id}")])
    return rows


def follow_text(view: QuestionView, line: Line, *, reply: bool) -> str:
    """A parent's later message, posted under the card."""
    head = (
        _("↩️ {name} отговори (въпрос №{id}):") if reply else _("➕ {name} добави (въпрос №{id}):")
    ).format(name=view.first_name or _("родител"), id=view.id)
    sos = "🆘 " if view.crisis else ""
    return f"{sos}{head}\n{_line_text(line)}"


def raise_text(view: QuestionView, now: datetime) -> str:
    """The reminder in the staff chat for a question unanswered for a working day."""
    sos = "🆘 " if view.crisis else ""
    return _("{sos}⏰ Въпрос №{id} от {name} чака отговор вече {waiting}.").format(
        sos=sos, id=view.id, name=view.first_name or _("родител"), waiting=waiting(view, now)
    )


def answered_notice(view: QuestionView, tz: ZoneInfo) -> str:
    """ "Вече отговори Ива, 23.11, 10:32" for a second staff member."""
    if view.status == QuestionStatus.closed and view.closed_at:
        return _("Въпрос №{id} вече е затворен: {who}, {when}.").format(
            id=view.id, who=view.closed_by or "—", when=short_stamp(view.closed_at, tz)
        )
    if view.answered_at:
        return _("На въпрос №{id} вече отговори {who}, {when}.").format(
            id=view.id, who=view.answered_by or "—", when=short_stamp(view.answered_at, tz)
        )
    return _("Въпрос №{id} вече е обработен.").format(id=view.id)


def list_text(views: list[QuestionView], now: datetime) -> str:
    """/questions: the open questions, the longest waiting first."""
    if not views:
        return _("Няма въпроси, които чакат отговор.")
    lines = [_("Въпроси, които чакат отговор ({n}):").format(n=len(views))]
    for v in views:
        first = " ".join(v.first_text.split())
        preview = first[:60] + ("…" if len(first) > 60 else "")
        sos = "🆘 " if v.crisis else ""
        lines.append(
            _("{sos}№{id} · {name} · чака {waiting}: {preview}").format(
                sos=sos,
                id=v.id,
                name=v.first_name or _("родител"),
                waiting=waiting(v, now),
                preview=preview,
            )
        )
    return "\n".join(lines)


def answer_for_parent(view: QuestionView, content: Content) -> str:
    """What the parent reads, in their language: "Отговор от Ива, ЦОП Харманли: …"."""
    line = view.last_staff_line
    assert line is not None
    return _("Отговор от {name}, {centre}:\n\n{text}").format(
        name=first_name(line.staff_name), centre=_(content.centre.short_name), text=line.text
    )


def parent_rows(view: QuestionView) -> Rows:
    """Under the answer: the parent may reply (the thread goes on)."""
    return [[(_("↩️ Отговорете"), f"ask:add:{view.id}")]]
