"""Staff features on the Telegram floor: handlers and cards (they import telegram)."""
