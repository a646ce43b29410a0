"""The limiter spends Telegram's message budget on messages only."""

from __future__ import annotations

from bot.limits import UNCOUNTED, CentreRateLimiter, telegram_rate_limiter


async def test_button_answers_do_not_wait_for_the_budget() -> None:
    limiter = telegram_rate_limiter()
    assert isinstance(limiter, CentreRateLimiter)
    await limiter.initialize()
    sent: list[str] = []

    async def call(endpoint: str) -> bool:
        sent.append(endpoint)
        return True

    await limiter.process_request(call, ("sendMessage",), {}, "sendMessage", {"chat_id": 5}, None)
    # The next message must wait its 1/29 s; the button answer goes at once meanwhile.
    await limiter.process_request(
        call, ("answerCallbackQuery",), {}, "answerCallbackQuery", {}, None
    )
    assert sent == ["sendMessage", "answerCallbackQuery"]
    assert "answerCallbackQuery" in UNCOUNTED and "sendMessage" not in UNCOUNTED
    await limiter.shutdown()
