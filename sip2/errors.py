"""The refusal every SIP2 message handler may raise (``sip2.session`` turns it into the
message's own "no" answer)."""

from __future__ import annotations


class Denied(Exception):
    """A message is answered with "no": ``reason`` picks the screen text (``sip2.texts``)."""

    def __init__(self, reason: str, message: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message
