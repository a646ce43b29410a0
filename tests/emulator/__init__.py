"""A Bot API emulator over HTTP on 127.0.0.1, and helpers to act as users against it."""

from tests.emulator.client import User, button
from tests.emulator.server import BOT_USER, Emulator, EmulatorThread, Event, Fault

__all__ = ["BOT_USER", "Emulator", "EmulatorThread", "Event", "Fault", "User", "button"]
