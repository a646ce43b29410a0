"""Signing in to the web desk: one-time links from the bot, and the session key.

A staff member sends /web to the bot (or an admin runs `cop-admin web-link ID`) and gets a
link that works once, for ten minutes. Only the token's hash is stored, as with invite codes,
so a copy of the database opens nobody's session. The key that signs session cookies comes
from WEB_SECRET or is generated once and kept in the database, so every process (and every
restart) accepts the same cookies.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from admin import staff as staff_service
from admin.staff import StaffInfo
from storage.clock import utcnow
from storage.db import Database
from storage.errors import CentreError
from storage.models import AppSecret, WebSignIn

LINK_TTL = timedelta(minutes=10)
SECRET_NAME = "web_session_key"


class SignInInvalid(CentreError):
    """No such link (mistyped, forged, or cut short)."""


class SignInUsed(CentreError):
    """The link was already opened once."""


class SignInExpired(CentreError):
    """The link's ten minutes are over."""


def _hash(token: str) -> str:
    """Tokens are 32 random bytes, so a plain SHA-256 is enough (as for invite codes)."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(db: Database, *, telegram_user_id: int) -> str:
    """A fresh one-time token for a staff member (NotAllowed for anyone else)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with db.session() as session:
        staff_service.require(session, telegram_user_id)
        session.add(
            WebSignIn(
                token_hash=_hash(token),
                telegram_user_id=telegram_user_id,
                expires_at=now + LINK_TTL,
            )
        )
    return token


def link(base_url: str, token: str) -> str:
    """The address the staff member opens."""
    return f"{base_url.rstrip('/')}/login/{token}"


def redeem(db: Database, token: str) -> StaffInfo:
    """Use a token once; the person must still be staff (NotAllowed otherwise)."""
    now = utcnow()
    with db.session() as session:
        row = session.exec(
            select(WebSignIn).where(WebSignIn.token_hash == _hash(token)).with_for_update()
        ).first()
        if row is None:
            raise SignInInvalid("no such link")
        if row.used_at is not None:
            raise SignInUsed("link already used")
        if row.expires_at <= now:
            raise SignInExpired("link expired")
        row.used_at = now
        session.add(row)
        return staff_service.require(session, row.telegram_user_id)


def session_key(db: Database, configured: str | None) -> str:
    """WEB_SECRET when set; else the key stored on first start (the first writer wins)."""
    if configured:
        return configured
    with db.read() as session:
        row = session.get(AppSecret, SECRET_NAME)
        if row is not None:
            return row.value
    try:
        with db.session() as session:
            session.add(AppSecret(name=SECRET_NAME, value=secrets.token_urlsafe(48)))
    except IntegrityError:
        pass  # another process stored one a moment ago: use theirs
    with db.read() as session:
        row = session.get(AppSecret, SECRET_NAME)
        assert row is not None
        return row.value
