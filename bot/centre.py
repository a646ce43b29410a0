"""The centre's content file, validated at start-up into typed objects.

One TOML file per centre (`bot/content/<CENTRE>.toml`); swapping it serves another ЦОП.
A broken file fails start-up naming the file, the key and the reason.
"""

from __future__ import annotations

import tomllib
from datetime import date
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

CONTENT_DIR = Path(__file__).resolve().parent / "content"


class ContentError(Exception):
    """The content file cannot be used; the message names file, key and reason."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Phone(_Strict):
    label: str
    display: str  # as the centre writes it: 0373 9 10 76
    e164: str
    main: bool = False

    @field_validator("e164")
    @classmethod
    def _valid_e164(cls, value: str) -> str:
        import phonenumbers

        try:
            parsed = phonenumbers.parse(value, None)
        except phonenumbers.NumberParseException as exc:  # must become a ValidationError
            raise ValueError(f"not a phone number: {value}") from exc
        if not phonenumbers.is_valid_number(parsed):
            raise ValueError(f"not a valid phone number: {value}")
        return value


class Contacts(_Strict):
    address: str
    address_short: str
    email: str | None = None
    # Data protection officer (name and e-mail) for the privacy notice; absent = not named.
    dpo: str | None = None
    phones: list[Phone] = Field(min_length=1)
    latitude: float | None = None
    longitude: float | None = None

    @property
    def main_phone(self) -> Phone:
        return next((p for p in self.phones if p.main), self.phones[0])


class CentreInfo(_Strict):
    name: str
    short_name: str
    town: str
    opened: date | None = None
    setting: str | None = None
    capacity: int | None = None
    capacity_text: str | None = None
    approach: str | None = None
    activities: str | None = None
    services_free: bool = True


class Dsp(_Strict):
    name: str
    address: str | None = None
    hours: str | None = None
    phone: str | None = None


class HelpLines(_Strict):
    emergency: str
    children: str
    children_name: str
    missing_children: str | None = None
    missing_children_name: str | None = None
    domestic_violence: str | None = None
    domestic_violence_name: str | None = None


class Service(_Strict):
    key: str
    title: str
    # Empty when the centre's texts only name the service: the bot then gives the phone.
    definition: str = ""
    who_for: str = ""
    bookable: bool = False


class ServiceGroup(_Strict):
    key: str
    title: str
    summary: str
    needs_referral: bool
    services: list[Service] = Field(min_length=1)


class TextItem(_Strict):
    text: str


class Team(_Strict):
    summary: str
    roles: list[str]
    staff: str | None = None


class Referral(_Strict):
    general_steps: list[str] = Field(min_length=1)
    specialised_steps: list[str] = Field(min_length=1)
    documents: str = ""


class Topic(_Strict):
    key: str
    title: str


class Booking(_Strict):
    topics: list[Topic] = Field(min_length=1)
    decline_reasons: list[str] = Field(default_factory=list)
    # Told to the parent when staff confirm a booking ("what to expect"); empty: not said.
    what_to_expect: str = ""


# The crisis categories a topic answer may be given for (bot.text.CATEGORIES).
CRISIS_TOPICS = frozenset({"violence", "sexual", "suicide", "missing", "danger"})


class Content(_Strict):
    centre: CentreInfo
    contacts: Contacts
    dsp: Dsp | None = None
    help_lines: HelpLines
    service_groups: list[ServiceGroup] = Field(min_length=1)
    target_groups: list[TextItem] = Field(min_length=1)
    team: Team
    conditions: list[TextItem] = Field(min_length=1)
    referral: Referral
    booking: Booking
    # Worded answers to free-text intents (about, psychologist, school, team); the words
    # and rules that find the intents are in content/understanding/ (shared by centres).
    answers: dict[str, str] = Field(default_factory=dict)
    # What the centre does about a crisis topic, said after the numbers to a question.
    crisis_topics: dict[str, str] = Field(default_factory=dict)

    @field_validator("crisis_topics")
    @classmethod
    def _known_topics(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = set(value) - CRISIS_TOPICS
        if unknown:
            raise ValueError(f"unknown crisis topics: {sorted(unknown)}")
        return value

    def service(self, key: str) -> Service | None:
        return next((s for g in self.service_groups for s in g.services if s.key == key), None)

    def topic(self, key: str) -> Topic | None:
        return next((t for t in self.booking.topics if t.key == key), None)

    def group(self, key: str) -> ServiceGroup | None:
        return next((g for g in self.service_groups if g.key == key), None)


def content_path(centre: str) -> Path:
    return CONTENT_DIR / f"{centre}.toml"


def load_content(path: Path) -> Content:
    """Read and validate one content file; any problem becomes a ContentError."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ContentError(f"{path}: file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return Content.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ContentError(f"{path}: {problems}") from exc


@cache
def content_for(centre: str) -> Content:
    return load_content(content_path(centre))
