"""The web desk's one-time links and session key, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from admin import staff as staff_service
from admin import web_signin
from storage.db import Database
from storage.errors import NotAllowed
from storage.models import StaffRole, WebSignIn


def test_a_link_works_once_and_only_its_hash_is_kept(db: Database) -> None:
    staff_service.add(db, telegram_user_id=501, name="Ива", role=StaffRole.admin)
    token = web_signin.issue_token(db, telegram_user_id=501)
    with db.read() as session:
        (row,) = session.exec(select(WebSignIn)).all()
        assert token not in row.token_hash and len(row.token_hash) == 64
    assert web_signin.redeem(db, token).name == "Ива"
    with pytest.raises(web_signin.SignInUsed):
        web_signin.redeem(db, token)
    with pytest.raises(web_signin.SignInInvalid):
        web_signin.redeem(db, token + "x")


def test_a_link_expires_after_ten_minutes(db: Database, time_machine: Any) -> None:
    staff_service.add(db, telegram_user_id=501, name="Ива")
    time_machine.move_to("2026-11-23 08:00:00+02:00", tick=False)
    token = web_signin.issue_token(db, telegram_user_id=501)
    time_machine.shift(timedelta(minutes=10))
    with pytest.raises(web_signin.SignInExpired):
        web_signin.redeem(db, token)


def test_only_staff_get_links_and_a_removed_member_cannot_use_one(db: Database) -> None:
    with pytest.raises(NotAllowed):
        web_signin.issue_token(db, telegram_user_id=1001)
    staff_service.add(db, telegram_user_id=502, name="Петър")
    token = web_signin.issue_token(db, telegram_user_id=502)
    staff_service.remove(db, 502)
    with pytest.raises(NotAllowed):
        web_signin.redeem(db, token)


def test_the_session_key_is_made_once_and_kept(db: Database) -> None:
    first = web_signin.session_key(db, None)
    assert len(first) >= 48 and web_signin.session_key(db, None) == first
    assert web_signin.session_key(db, "from-settings") == "from-settings"
