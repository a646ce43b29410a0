"""Crisis words and FAQ questions in Ukrainian, Arabic, Dari and Turkish (classes.toml)."""

from __future__ import annotations

import tomllib

import pytest

from bot.text import UNDERSTANDING_DIR, Understanding, understanding

CRISIS = {
    "violence": [
        "Чоловік мене б'є щодня",
        "мене бʼють",
        "насильства в сім'ї",
        "زوجي يضربني كل يوم",
        "3am yedrobni",
        "والعنف في البيت",
        "شوهرم مرا میزند",
        "Kocam beni dövüyor",
        "kocam beni dovuyor",
        "SIDDET var evde",
    ],
    "suicide": [
        "Я хочу померти",
        "أُرِيدُ أَنْ أَمُوتَ",
        "بدي موت",
        "انتحار",
        "می‌خواهم بمیرم",
        "میخواهم بمیرم",
        "khodkoshi",
        "ÖLMEK İSTİYORUM",
        "olmek istiyorum",
    ],
    "missing": [
        "дитина зникла",
        "ابني مفقود",
        "طفلم گم شده",
        "çocuğum kayboldu",
        "cocugum kayboldu",
    ],
    "sexual": ["зґвалтування", "اغتصاب", "tecavüz"],
}
ORDINARY = [
    "Добрий день, де ви знаходитесь?",
    "مرحبا، متى تفتحون؟",
    "ضرب",  # "multiplication" as much as "hitting": never alone
    "سلام، آدرس شما کجاست؟",
    "Merhaba, randevu almak istiyorum",
    "kızım okula gidiyor",
    "Мені потрібна консультація психолога",
    "أحتاج استشارة لابني في المدرسة",
]
FAQ = {
    "Де ви знаходитесь?": "address",
    "скільки коштує консультація?": "price",
    "Дякую!": "thanks",
    "Які послуги ви надаєте?": "services",
    "كم السعر؟": "price",
    "بدي احجز موعد": "booking",
    "شكرا جزيلا": "thanks",
    "مرحبا": "greeting",
    "ما هي خدماتكم؟": "services",
    "آدرس شما کجاست": "address",
    "قیمت چند است": "price",
    "تشکر": "thanks",
    "سلام": "greeting",
    "Adresiniz nedir?": "address",
    "Ucret ne kadar?": "price",
    "randevu almak istiyorum": "booking",
    "Teşekkürler": "thanks",
    "Merhaba": "greeting",
    "Hizmetleriniz neler?": "services",
    "Telefon numaranız?": "phone",
    "Чи потрібне направлення?": "referral",
}


@pytest.fixture(scope="module")
def reader() -> Understanding:
    return understanding()


@pytest.mark.parametrize(
    ("category", "text"), [(c, t) for c, texts in CRISIS.items() for t in texts]
)
def test_crisis_in_every_language_and_script(
    reader: Understanding, category: str, text: str
) -> None:
    assert category in reader.read(text).crisis


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_messages_raise_no_alarm(reader: Understanding, text: str) -> None:
    assert reader.read(text).crisis == ()


@pytest.mark.parametrize(("text", "intent"), FAQ.items())
def test_faq_in_every_language(reader: Understanding, text: str, intent: str) -> None:
    assert intent in reader.read(text).intents


def test_every_language_has_the_faq_intents_and_crisis_classes() -> None:
    classes = tomllib.loads((UNDERSTANDING_DIR / "classes.toml").read_text(encoding="utf-8"))
    faq = ("hello", "thank", "services_word", "price_word", "address_word", "phone_word")
    faq += ("hours_word", "referral_word", "book_word")
    crisis = ("violence_topic", "suicide_word", "die", "want", "abduct_strong", "danger_word")
    for name in faq + crisis:
        assert {"uk", "ar", "fa", "tr"} <= set(classes[name]), name
