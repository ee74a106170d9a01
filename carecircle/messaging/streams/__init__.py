"""Stream handlers for private conversations ("conversation:<id>") and rooms ("room:<id>")."""

from carecircle.messaging.streams import conversations, rooms  # noqa: F401
