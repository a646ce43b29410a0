"""Staff services for parents' questions: answer, close with a note, list, raise again.

Every call checks the staff list inside its own transaction (`admin.staff.require`), so a
removed staff member cannot answer from an old card. What the bot says about a question —
the card, its edits, the parent's later messages under it, the "raised again" line and the
answer to the parent — is rendered here and written to the outbox (`storage.outbox`) in the
transaction of the change, so a crash after the commit cannot lose it. No telegram import.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_timedelta
from sqlmodel import Session

from admin import staff as staff_service
from admin.notices import STAFF_LANGUAGE, staff_chats
from admin.texts import LANGUAGE_NAMES, short_stamp
from bot.centre import Content
from bot.i18n import N_, _, babel_locale, language
from bot.services import Services
from storage import outbox
from storage import questions as repo
from storage.db import Database
from storage.errors import NotFound
from storage.models import QuestionStatus
from storage.outbox import Kind
from storage.questions import Line, QuestionView

Rows = list[list[tuple[str, str]]]

CARD_TEXT_MAX = 1500  # the rest of a long question is in the follow-ups' thread
FILE_KINDS = {"photo": N_("📎 снимка"), "document": N_("📎 документ")}


def first_name(name: str | None) -> str:
    """ "Ива Иванова" → "Ива": the parent reads the specialist's first name."""
    return (name or "").split()[0] if (name or "").split() else _("специалист")


# --- services -------------------------------------------------------------------------------


def answer(
    services: Services, *, question_id: int, staff_user_id: int, text: str, now: datetime
) -> QuestionView:
    """Record a staff member's answer and queue it to the parent, with the cards' edits.

    Raises NotAllowed, NotFound, AlreadyHandled (someone answered first).
    """
    with services.db.session() as session:
        member = staff_service.require(session, staff_user_id)
        view = repo.answer(
            session,
            question_id,
            staff_user_id=staff_user_id,
            staff_name=member.name,
            text=text,
            now=now,
        )
        queue_answer(session, services, view)
        queue_edits(session, services, view)
        return view


def close(
    services: Services, *, question_id: int, staff_user_id: int, note: str, now: datetime
) -> QuestionView:
    """Close a question without an answer (e.g. answered by phone) with an internal note."""
    with services.db.session() as session:
        member = staff_service.require(session, staff_user_id)
        view = repo.close(session, question_id, staff_name=member.name, note=note, now=now)
        queue_edits(session, services, view)
        return view


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


def raise_unanswered(services: Services) -> int:
    """Raise again each question unanswered for one working day; returns how many.

    One transaction per question: the "⏰" line is queued with the mark that it was raised.
    """
    now, tz = services.now(), services.settings.tz
    with services.db.read() as session:
        due = repo.due_for_raise(session, now=now, tz=tz)
    raised = 0
    for question_id in due:
        with services.db.session() as session:
            if not repo.mark_raised(session, question_id, now):
                continue  # answered or closed meanwhile: nothing to raise
            raised += 1
            view = repo.view(session, question_id)
            with language(STAFF_LANGUAGE):
                text = raise_text(view, now)
                buttons = card_rows(view)
            _to_staff(session, services, Kind.question_line, view.id, text, buttons)
    return raised


# --- the outbox rows of a question ------------------------------------------------------------


def queue_card(session: Session, services: Services, view: QuestionView) -> None:
    """The new question's card (and its photo or document under it) to every staff chat."""
    with language(STAFF_LANGUAGE):
        text = card_text(view, services.settings.tz, services.now())
        buttons = card_rows(view)
        caption = _file_caption(view)
    first = (view, view.lines[0], caption)
    _to_staff(session, services, Kind.question_card, view.id, text, buttons, first)


def queue_follow(session: Session, services: Services, view: QuestionView, *, reply: bool) -> None:
    """The parent's newest message under the card, then the card edited."""
    line = view.last_parent_line
    if line is None:
        return
    with language(STAFF_LANGUAGE):
        text = follow_text(view, line, reply=reply)
        buttons = card_rows(view)
        caption = _file_caption(view)
    _to_staff(session, services, Kind.question_line, view.id, text, buttons, (view, line, caption))
    queue_edits(session, services, view)


def queue_edits(session: Session, services: Services, view: QuestionView) -> None:
    """Every card of the question edited to its state as of this transaction."""
    with language(STAFF_LANGUAGE):
        text = card_text(view, services.settings.tz, services.now())
        buttons = card_rows(view)
    _to_staff(session, services, Kind.question_edit, view.id, text, buttons)


def queue_answer(session: Session, services: Services, view: QuestionView) -> None:
    """The newest staff answer to the parent, in the parent's language."""
    with language(view.language):
        text = answer_for_parent(view, services.content)
        buttons = parent_rows(view)
    outbox.enqueue(
        session,
        chat_id=view.parent_chat_id,
        kind=Kind.question_answer,
        question_id=view.id,
        text=text,
        buttons=buttons,
    )


def answer_not_delivered(session: Session, services: Services, question_id: int) -> None:
    """Telegram did not take the answer (the parent blocked the bot …): staff learn it."""
    try:
        view = repo.view(session, question_id)
    except NotFound:
        return
    with language(STAFF_LANGUAGE):
        text = _("⚠️ Отговорът на въпрос №{id} не стигна до {name}. Обадете се, ако имате телефон.")
        text = text.format(id=view.id, name=view.first_name or _("родителя"))
    _to_staff(session, services, Kind.question_line, view.id, text)


def queue_forgotten(session: Session, services: Services, question_id: int) -> None:
    """The cards of a question whose parent erased their data: no text of it stays."""
    with language(STAFF_LANGUAGE):
        text = _("🗑 Въпрос №{id}: родителят изтри данните си.").format(id=question_id)
    _to_staff(session, services, Kind.question_edit, question_id, text)


def _to_staff(
    session: Session,
    services: Services,
    kind: str,
    question_id: int,
    text: str,
    buttons: Rows | None = None,
    file: tuple[QuestionView, Line, str] | None = None,
) -> None:
    """One row to every staff chat (and the line's photo or document under it): one loop."""
    for chat_id in staff_chats(session, services):
        outbox.enqueue(
            session,
            chat_id=chat_id,
            kind=kind,
            question_id=question_id,
            text=text,
            buttons=buttons,
        )
        if file is not None:
            _queue_file(session, chat_id, *file)


def _file_caption(view: QuestionView) -> str:
    return _("📎 Към въпрос №{id}").format(id=view.id)


def _queue_file(
    session: Session, chat_id: int, view: QuestionView, line: Line, caption: str
) -> None:
    if not line.file_id:
        return
    outbox.enqueue(
        session,
        chat_id=chat_id,
        kind=Kind.question_line,
        question_id=view.id,
        text=caption,
        file_id=line.file_id,
        file_kind=line.file_kind,
    )


class QuestionAnnouncer:
    """`storage.questions.QuestionAnnouncer`: the card and the parent's later messages."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def asked(self, session: Session, view: QuestionView) -> None:
        queue_card(session, self.services, view)

    def added(self, session: Session, view: QuestionView, *, reply: bool) -> None:
        queue_follow(session, self.services, view, reply=reply)

    def forgotten(self, session: Session, question_id: int) -> None:
        queue_forgotten(session, self.services, question_id)


def announcer(services: Services) -> QuestionAnnouncer:
    return QuestionAnnouncer(services)


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
            language=_(LANGUAGE_NAMES.get(view.language, view.language)),
        )
    )
    if view.status == QuestionStatus.open:
        since = _("Чака от {stamp}").format(stamp=short_stamp(view.waiting_since, tz))
        if now - view.waiting_since >= timedelta(minutes=1):  # an edit or a re-raise
            since += f" ({waiting(view, now)})"
        lines.append(since)
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
