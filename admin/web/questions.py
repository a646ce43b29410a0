"""Въпроси: the parents' open questions, oldest first; a page per question with its thread,
the answer form and "close without answer" with an internal note.

Both call the same services as the Telegram side (`admin.questions`): the answer reaches the
parent through the outbox in the transaction of the change, and of two answers at once one
wins; the other sees who answered first.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import questions as service
from admin.notices import STAFF_LANGUAGE
from admin.staff import StaffInfo
from admin.web.render import flash, redirect, render
from admin.web.security import page, services_of
from bot.i18n import _, language
from storage import questions as repo
from storage.errors import AlreadyHandled, NotFound

log = logging.getLogger(__name__)

TEXT_MAX = 4000


def _id(request: Request) -> int:
    return int(request.path_params["question_id"])


@page()
async def listing(request: Request, member: StaffInfo) -> Response:
    """The open questions, the longest waiting first."""
    services = services_of(request)
    views = service.list_open(services.db, staff_user_id=member.telegram_user_id)
    now = services.now()
    return render(
        request,
        "questions/list.html",
        member,
        views=views,
        waited={v.id: service.waiting(v, now) for v in views},
        language_names=service.LANGUAGE_NAMES,
    )


@page()
async def show(request: Request, member: StaffInfo) -> Response:
    """One question: who, the thread, its state, the two forms while they apply."""
    services = services_of(request)
    try:
        view = service.open_for_staff(
            services.db, question_id=_id(request), staff_user_id=member.telegram_user_id
        )
    except NotFound:
        flash(request, _("Този въпрос вече не съществува."), "error")
        return redirect(request, "questions")
    return render(
        request,
        "questions/question.html",
        member,
        q=view,
        waited=service.waiting(view, services.now()),
        state=service.status_line(view, services.settings.tz),
        language_names=service.LANGUAGE_NAMES,
    )


async def _act(request: Request, member: StaffInfo, closing: bool) -> Response:
    """Answer or close through the service; flash the result or who was first."""
    services = services_of(request)
    question_id = _id(request)
    form = await request.form()
    text = str(form.get("text") or "").strip()[:TEXT_MAX]
    if not text:
        flash(
            request,
            _("Напишете бележка.") if closing else _("Напишете отговора."),
            "error",
        )
        return redirect(request, "question", question_id=question_id)
    uid, now = member.telegram_user_id, services.now()
    try:
        if closing:
            view = service.close(
                services, question_id=question_id, staff_user_id=uid, note=text, now=now
            )
        else:
            view = service.answer(
                services, question_id=question_id, staff_user_id=uid, text=text, now=now
            )
    except NotFound:
        flash(request, _("Този въпрос вече не съществува."), "error")
        return redirect(request, "questions")
    except AlreadyHandled:
        current = repo.load(services.db, question_id)
        with language(STAFF_LANGUAGE):
            notice = service.answered_notice(current, services.settings.tz)
        flash(request, notice + " " + _("Вашият текст не е изпратен."), "warn")
        return redirect(request, "question", question_id=question_id)
    log.info("question %s %s on the web by staff", view.id, "closed" if closing else "answered")
    if closing:
        flash(request, _("Въпрос №{id} е затворен.").format(id=view.id))
    else:
        flash(request, _("Отговорът на въпрос №{id} е изпратен на родителя.").format(id=view.id))
    return redirect(request, "question", question_id=question_id)


@page()
async def answer(request: Request, member: StaffInfo) -> Response:
    """The answer, to the parent through the outbox (same transaction as the change)."""
    return await _act(request, member, closing=False)


@page()
async def close(request: Request, member: StaffInfo) -> Response:
    """Close without an answer; the note stays inside the centre."""
    return await _act(request, member, closing=True)


routes = [
    Route("/questions", listing, name="questions"),
    Route("/questions/{question_id:int}", show, name="question"),
    Route("/questions/{question_id:int}/answer", answer, methods=["POST"], name="question_answer"),
    Route("/questions/{question_id:int}/close", close, methods=["POST"], name="question_close"),
]
