"""The content file: every seed fact is there, and a broken copy fails with file and key."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest

from bot.answers import INTENTS
from bot.centre import ContentError, content_path, load_content
from bot.i18n import _
from bot.text import CATEGORIES

HARMANLI = content_path("harmanli")


def test_harmanli_has_the_seed_facts() -> None:
    content = load_content(HARMANLI)
    assert len(content.target_groups) == 8
    assert [g.key for g in content.service_groups] == ["general", "specialised"]
    general, specialised = content.service_groups
    assert not general.needs_referral and specialised.needs_referral
    assert len(general.services) == 2 and len(specialised.services) == 4
    for service in specialised.services:  # the seeds define these; the mobile work only named
        assert service.definition and service.who_for
    phones = {p.display: p.e164 for p in content.contacts.phones}
    assert phones == {"0373 9 10 76": "+35937391076", "0888 20 80 27": "+359888208027"}
    assert content.contacts.main_phone.display == "0373 9 10 76"
    assert content.contacts.email == "cop@harmanli.bg"
    assert "кв. „Дружба“ 7А" in content.contacts.address
    assert content.centre.capacity == 30
    assert content.centre.opened == date(2014, 6, 4)
    assert "парк" in (content.centre.setting or "")
    assert len(content.conditions) == 2
    assert content.help_lines.emergency == "112" and content.help_lines.children == "116 111"


def test_unconfirmed_facts_are_absent() -> None:
    content = load_content(HARMANLI)
    assert content.contacts.latitude is None and content.contacts.longitude is None
    assert content.dsp is not None and content.dsp.address is None and content.dsp.hours is None
    assert content.referral.documents == ""


def test_worded_answers_and_crisis_topics_are_usable() -> None:
    content = load_content(HARMANLI)
    assert set(content.answers) <= INTENTS
    assert set(content.crisis_topics) == set(CATEGORIES)


def test_only_what_the_seeds_give() -> None:
    content = load_content(HARMANLI)
    mobile = content.service("mobile")
    assert mobile is not None and mobile.definition == "" and mobile.who_for == ""
    assert all("помощи" not in _(t.title) for t in content.booking.topics)


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = HARMANLI.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "broken.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_missing_key_names_file_and_key(tmp_path: Path) -> None:
    path = _broken(tmp_path, 'email = "cop@harmanli.bg"\n', "")  # optional: still fine
    load_content(path)
    path = _broken(tmp_path, 'address = "гр. Харманли, кв. „Дружба“ 7А"\n', "")
    with pytest.raises(ContentError) as info:
        load_content(path)
    assert str(path) in str(info.value)
    assert "contacts.address" in str(info.value)


def test_wrong_type_names_file_and_key(tmp_path: Path) -> None:
    path = _broken(tmp_path, "capacity = 30", 'capacity = "тридесет"')
    with pytest.raises(ContentError) as info:
        load_content(path)
    assert str(path) in str(info.value) and "centre.capacity" in str(info.value)


def test_bad_phone_is_refused(tmp_path: Path) -> None:
    path = _broken(tmp_path, 'e164 = "+35937391076"', 'e164 = "+3591"')
    with pytest.raises(ContentError) as info:
        load_content(path)
    assert "contacts.phones.0.e164" in str(info.value)


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    path = _broken(tmp_path, "capacity = 30", "capacity = 30\ncapacty = 31")
    with pytest.raises(ContentError) as info:
        load_content(path)
    assert "centre.capacty" in str(info.value)


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    path = _broken(tmp_path, "[centre]", "[centre")
    with pytest.raises(ContentError) as info:
        load_content(path)
    assert str(path) in str(info.value) and "TOML" in str(info.value)
    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads(path.read_text(encoding="utf-8"))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="not found"):
        load_content(tmp_path / "nope.toml")


def test_translations_keep_the_placeholders() -> None:
    import string

    from babel.messages.pofile import read_po

    from bot.i18n import LOCALES_DIR

    def fields(text: str) -> list[str]:
        return sorted(f for _, f, _, _ in string.Formatter().parse(text) if f)

    for code in ("bg", "en"):
        with (LOCALES_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalog = read_po(handle, locale=code)
        for message in catalog:
            text = message.string
            if isinstance(message.id, str) and message.id and isinstance(text, str) and text:
                assert fields(message.id) == fields(text), (code, message.id)
