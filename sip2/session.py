"""One terminal's conversation: read a frame, check who may send it, answer it.

``Session.handle(frame)`` is called by the server (in a worker thread) for every frame and
returns the bytes to send, and whether to close the connection afterwards. It never raises:
a frame it cannot read gets a 96 (please resend), too many of those close the connection, and
a failure inside a handler is logged and answered with that message's "no" and a screen text
(the services are transactions, so nothing is half-written).
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from dataclasses import dataclass, field

from django.db import connections
from django.utils import timezone, translation

from libraries import policy
from libraries.access import StaffAccess, cached_access
from sip2 import dispatch, handlers, protocol, texts
from sip2.errors import Denied as Denied
from sip2.models import Terminal

log = logging.getLogger("sip2.activity")

MAX_FRAME_ERRORS = 5  # unreadable frames in a row before the connection is closed
MAX_LOGIN_FAILURES = 3
# The terminal account's roles are read at login and again after this many seconds (one Redis
# GET), not for every message: a role taken away stops the machine within a minute.
ACCESS_RECHECK_SECONDS = 60.0


@dataclass
class Outcome:
    data: bytes
    close: bool = False


@dataclass
class Session:
    terminal: Terminal | None = None
    peer: str = ""
    frame_errors: int = 0
    login_failures: int = 0
    last_request: bytes = b""
    last_response: bytes = b""
    # Patrons whose PIN was checked on this connection: card number -> keyed digest of the PIN.
    # Spares a password hash per message; cleared by "end session" (35).
    verified: dict[str, bytes] = field(default_factory=dict)
    charset: str = "utf-8"
    key: bytes = field(default_factory=lambda: secrets.token_bytes(16))
    _access: StaffAccess | None = None
    _access_until: float = 0.0

    def access(self) -> StaffAccess:
        """The terminal account's staff roles (``libraries.access``), kept for
        ``ACCESS_RECHECK_SECONDS`` so a message costs no cache round trip."""
        now = time.monotonic()
        if self._access is None or now >= self._access_until:
            self._access = cached_access(self.terminal.user)
            self._access_until = now + ACCESS_RECHECK_SECONDS
        return self._access

    def logged_in(self, terminal: Terminal) -> None:
        self.terminal = terminal
        self.charset = terminal.charset
        self._access = None

    # --- PIN memory ----------------------------------------------------------------------

    def _digest(self, card: str, pin: str) -> bytes:
        return hmac.new(self.key, f"{card}\0{pin}".encode(), "sha256").digest()

    def remember_pin(self, card: str, pin: str) -> None:
        self.verified = {card: self._digest(card, pin)}  # one patron at a time

    def knows_pin(self, card: str, pin: str) -> bool:
        known = self.verified.get(card)
        return known is not None and hmac.compare_digest(known, self._digest(card, pin))

    def forget_patron(self) -> None:
        self.verified.clear()

    # --- Frames --------------------------------------------------------------------------

    def handle(self, frame: bytes) -> Outcome:
        started = time.perf_counter()
        try:
            return self._handle(frame, started)
        finally:
            keep_or_close_connections()

    def _handle(self, frame: bytes, started: float) -> Outcome:
        try:
            request = self._parse(frame)
        except protocol.FrameError as error:
            return self._frame_error(error.reason)
        if request.code == "97":
            return Outcome(self.last_response or self._encode(resend(), request))
        if request.checksummed and frame == self.last_request and self.last_response:
            # The machine sent the same frame again (it missed our answer): answer again
            # without doing it twice.
            return Outcome(self.last_response)
        if (
            self.terminal is not None
            and self.terminal.checksums_required
            and not request.checksummed
        ):
            return self._frame_error("checksum_missing")
        self.frame_errors = 0
        outcome = self._answer(request)
        self.last_request, self.last_response = frame, outcome.data
        self._log(request, outcome, started)
        return outcome

    def _parse(self, frame: bytes) -> protocol.Request:
        try:
            return protocol.parse(frame, charset=self.charset)
        except protocol.FrameError as error:
            if error.reason != "charset" or self.terminal is not None:
                raise
        # Before login the terminal's charset is not known yet: a login from a cp850 or
        # ISO-8859-1 machine is read as ISO-8859-1 (every byte is a character there).
        return protocol.parse(frame, charset="iso-8859-1")

    def _frame_error(self, reason: str) -> Outcome:
        self.frame_errors += 1
        log.info(
            "terminal=%s frame_error=%s count=%d",
            self._name(),
            reason,
            self.frame_errors,
        )
        close = self.frame_errors >= MAX_FRAME_ERRORS
        return Outcome(
            protocol.encode(resend(), charset=self.charset, with_checksum=True), close=close
        )

    def _answer(self, request: protocol.Request) -> Outcome:
        language = texts.language_for(
            request.fixed.get("language"), self.terminal.language if self.terminal else "sv"
        )
        with translation.override(language):
            if request.code == "93":
                response, ok = handlers.login(self, request)
                if not ok:
                    self.login_failures += 1
                return Outcome(
                    self._encode(response, request),
                    close=not ok and self.login_failures >= MAX_LOGIN_FAILURES,
                )
            if self.terminal is None:
                if request.code == "99":
                    return Outcome(self._encode(handlers.offline_status(), request))
                # Not logged in: say "login refused" and hang up.
                return Outcome(self._encode(handlers.login_refused(), request), close=True)
            now = timezone.now()
            try:
                self._check_allowed(request.code)
                response = dispatch.table()[request.code](self, request, now)
            except Denied as denied:
                response = dispatch.refusal(self, request, now, denied)
            except Exception:
                log.exception("terminal=%s code=%s failed", self._name(), request.code)
                response = dispatch.refusal(self, request, now, Denied("error"))
            return Outcome(self._encode(response, request))

    def _check_allowed(self, code: str) -> None:
        terminal = self.terminal
        if code in handlers.ALWAYS:
            return
        action = policy.SIP2_MESSAGES.get(code)
        if action is None or code not in dispatch.table() or not terminal.allows(code):
            raise Denied("not_allowed")
        # The one permission table (``libraries.policy``), as for the desk pages and the API.
        if not self.access().may(action, terminal.library):
            raise Denied("not_allowed")

    def _encode(self, response: protocol.Response, request: protocol.Request) -> bytes:
        with_checksum = request.checksummed or bool(
            self.terminal and self.terminal.checksums_required
        )
        return protocol.encode(
            response, charset=self.charset, sequence=request.sequence, with_checksum=with_checksum
        )

    def _name(self) -> str:
        return self.terminal.user.get_username() if self.terminal else f"-@{self.peer}"

    def _log(self, request: protocol.Request, outcome: Outcome, started: float) -> None:
        # No patron identifiers, PINs or item barcodes: the code, the answer's ok flag, the time.
        log.info(
            "terminal=%s code=%s answer=%s ok=%s ms=%.1f",
            self._name(),
            request.code,
            outcome.data[:2].decode("ascii", "replace"),
            outcome.data[2:3].decode("ascii", "replace"),
            (time.perf_counter() - started) * 1000,
        )


def keep_or_close_connections() -> None:
    """After a message, in the worker thread that answered it: keep the thread's database
    connection for its next message. Django's ``close_old_connections`` (what a web request
    does) would, with ``CONN_HEALTH_CHECKS``, cost a ``SELECT 1`` round trip per message; the
    connection is only checked (and closed if broken) when a query failed on it, and closed
    when it reached ``CONN_MAX_AGE`` or was left outside autocommit."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is None:
            continue
        expired = conn.close_at is not None and time.monotonic() >= conn.close_at
        if conn.errors_occurred or expired or not conn.get_autocommit():
            conn.close_if_unusable_or_obsolete()


def resend() -> protocol.Response:
    return protocol.Response("96")
