"""Crisis words and FAQ questions in Ukrainian, Arabic, Dari and Turkish, as people type them."""

from __future__ import annotations

import pytest

from bot.multiscript import IntentIndex, PhraseList, crisis_phrases, faq_keywords, fold

CRISIS = {
    "uk": ["Чоловік мене б'є щодня", "мене бʼють", "Я хочу померти", "насильства в сім'ї"],
    "ar": ["زوجي يضربني كل يوم", "بدي موت", "والعنف في البيت", "أُرِيدُ أَنْ أَمُوتَ"],
    "ar-latin": ["3am yedrobni", "ana bade mout", "zawji darabni"],
    "fa": ["شوهرم مرا میزند", "می‌خواهم بمیرم", "میخواهم بمیرم", "طفلم گم شده"],
    "fa-latin": ["khodkoshi mikonam"],
    "tr": ["Kocam beni dövüyor", "ÖLMEK İSTİYORUM", "çocuğum kayboldu"],
    "tr-ascii": ["kocam beni dovuyor", "olmek istiyorum", "cocugum kayboldu", "SIDDET"],
}
ORDINARY = [
    "Добрий день, де ви знаходитесь?",
    "مرحبا، متى تفتحون؟",
    "ضرب",  # "multiplication" as much as "hitting": never alone
    "سلام، آدرس شما کجاست؟",
    "Merhaba, randevu almak istiyorum",
    "kızım okula gidiyor",
    "متى الموعد",
]
FAQ = {
    "Де ви знаходитесь?": "contacts",
    "скільки коштує консультація": "price",
    "Чи потрібне направлення?": "referral",
    "وين المركز؟": "contacts",
    "كم السعر؟": "price",
    "بدي احجز موعد": "booking",
    "هل أحتاج إحالة؟": "referral",
    "آدرس شما کجاست": "contacts",
    "قیمت چند است": "price",
    "ساعات کاری شما": "hours",
    "Adresiniz nedir?": "contacts",
    "Ucret ne kadar?": "price",
    "randevu almak istiyorum": "booking",
    "Telefon numaranız": "contacts",
}


@pytest.fixture(scope="module")
def crisis() -> PhraseList:
    return PhraseList(crisis_phrases())


@pytest.mark.parametrize("text", [t for texts in CRISIS.values() for t in texts])
def test_crisis_words_in_every_language_and_script(crisis: PhraseList, text: str) -> None:
    assert crisis.found_in(text)


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_questions_raise_no_alarm(crisis: PhraseList, text: str) -> None:
    assert not crisis.found_in(text)


def test_every_language_has_every_crisis_category() -> None:
    import tomllib

    from bot.multiscript import WORDS_FILE

    data = tomllib.loads(WORDS_FILE.read_text(encoding="utf-8"))
    for category, by_language in data["crisis"].items():
        assert set(by_language) == {"uk", "ar", "fa", "tr"}, category
    for intent in ("address", "phone", "hours", "price", "referral", "booking"):
        assert set(data["faq"][intent]) == {"uk", "ar", "fa", "tr"}, intent
    for intent in ("services", "greeting", "thanks"):
        assert set(data["faq"][intent]) == {"uk", "ar", "fa", "tr"}, intent


@pytest.mark.parametrize(("text", "answer"), FAQ.items())
def test_faq_questions_in_every_language(text: str, answer: str) -> None:
    assert IntentIndex(faq_keywords()).best(text) == answer


def test_folding_meets_the_keyboards() -> None:
    assert fold("يضربني") == fold("يضربنى")  # ya with and without dots
    assert fold("كمك") == fold("کمک")  # Arabic and Persian kaf
    assert fold("می‌خواهم") == fold("میخواهم")  # with and without the joiner
    assert fold("ŞİDDET") == "siddet"
    assert fold("б'є") == fold("бʼє") == "бє"
