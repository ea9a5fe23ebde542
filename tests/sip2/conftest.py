"""SIP2 fixtures: a terminal account, the server on a free port, a raw client, a patron with a
PIN. The server's worker threads have their own database connections, so these tests use
``transactional_db`` (what the server writes is committed and visible to the test)."""

from __future__ import annotations

import socket

import pytest
from pysip2 import decode_message

from libraries.models import Library
from patrons.services import set_pin
from sip2.server import Config, ServerThread
from sip2.services import create_terminal
from tests.circulation.factories import PatronFactory
from tests.conftest import settle_celery

TERMINAL_PASSWORD = "sip-secret-1"
PIN = "4711"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    """Terminal passwords and PINs with a fast hasher: the tests log in hundreds of times."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def terminal(transactional_db, _fast_hashing):
    return create_terminal(
        username="sip-kga-1",
        password=TERMINAL_PASSWORD,
        library=Library.objects.get(code="KGA"),
        name="Självbetjäning entré",
        location="Entré",
    )


@pytest.fixture
def sip_server(transactional_db):
    """The server in a thread. Torn down before the test's final TRUNCATE (it depends on
    ``transactional_db``): the server stops, each worker thread closes its own database
    connection and the pool is shut down (``Server.stop``), then the tasks the test's messages
    queued (check-in: transfers, holds) are dropped or finished (``settle_celery``), so no
    connection of ours holds or waits for a lock while the tables are truncated."""
    with ServerThread(Config(host="127.0.0.1", port=0, threads=4, idle_seconds=60)) as running:
        yield running
    settle_celery()


@pytest.fixture
def patron_with_pin(transactional_db, _fast_hashing):
    patron = PatronFactory(first_name="Åsa")
    set_pin(patron=patron, pin=PIN)
    patron.card_number = patron.cards.get().number
    return patron


class RawClient:
    """A socket that sends frames and reads answers up to CR; every answer is decoded with
    pysip2's strict decoder (checksums included) before the test sees it."""

    def __init__(self, port: int, *, charset: str = "utf-8", timeout: float = 10) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.charset = charset
        self.buffer = b""

    def send(self, frame: bytes | str) -> None:
        if isinstance(frame, str):
            frame = frame.encode(self.charset)
        self.sock.sendall(frame)

    def read(self) -> bytes:
        while b"\r" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionResetError("closed by the server")
            self.buffer += chunk
        frame, _, self.buffer = self.buffer.partition(b"\r")
        return frame + b"\r"

    def ask(self, frame: bytes | str):
        """Send, read the answer, validate it strictly; returns (raw bytes, pysip2 message)."""
        self.send(frame)
        raw = self.read()
        return raw, decode_message(raw, encoding=self.charset).message

    def closed(self) -> bool:
        try:
            return self.sock.recv(1) == b""
        except (ConnectionResetError, TimeoutError):
            return True

    def close(self) -> None:
        self.sock.close()


def login_frame(password: str = TERMINAL_PASSWORD, user: str = "sip-kga-1") -> str:
    return f"9300CN{user}|CO{password}|CPEntré|\r"


@pytest.fixture
def client(sip_server, terminal):
    raw = RawClient(sip_server.port)
    _, answer = raw.ask(login_frame())
    assert answer.ok == "1"
    yield raw
    raw.close()
