"""Book a walk-in consultation: topic → note → day → time → consent → name → phone → summary.

Consent comes before name and phone: the half-finished conversation is itself stored
(bot/persistence.py), so nothing personal is typed in before the parent agreed. The state
diagram is in `booking.mmd`. Everything kept between steps is JSON (ISO strings, ints)
under `user_data["booking"]`, so a restart continues where the parent was.

- `state.py`: the states and the scratch space in user_data;
- `steps.py`: the step renderers (each question and its buttons);
- `callbacks.py`: what each button, text or command does;
- `conversation.py`: the `ConversationHandler` wiring them, and `handlers()` for bot/app.py.
The day and time pickers shared with "🗓 Моите часове" live in bot/flows/common.py.
"""

from bot.flows.booking.conversation import handlers
from bot.flows.booking.state import (
    ASK_NAME,
    ASK_PHONE,
    CHANGE,
    CONSENT,
    DAY,
    NAME,
    NOTE,
    SUMMARY,
    TIME,
    TOPIC,
)

__all__ = [
    "ASK_NAME",
    "ASK_PHONE",
    "CHANGE",
    "CONSENT",
    "DAY",
    "NAME",
    "NOTE",
    "SUMMARY",
    "TIME",
    "TOPIC",
    "handlers",
]
