"""Garbage never takes the SIP2 server down; the desk and a terminal lending one item at the same
moment make one loan; TLS works natively."""

from __future__ import annotations

import contextlib
import random
import shutil
import socket
import ssl
import subprocess
import threading

import pytest
from django.utils import timezone
from pysip2 import decode_message

from circulation.models import Loan
from circulation.refusals import CheckoutRefused
from circulation.services import check_out
from libraries.models import Library
from sip2.server import Config, ServerThread
from tests.circulation.factories import ItemFactory, PatronFactory
from tests.sip2.conftest import PIN, RawClient, login_frame

pytestmark = pytest.mark.django_db(transaction=True)
DATE = "20250312    120000"
FUZZ_FRAMES = 10_000

VALID = [
    "9900302.00",
    f"23006{DATE}AOKGA|AA123|AC|AD1|",
    f"63006{DATE}Y         AOKGA|AA123|AC|AD1|BP1|BQ5|",
    f"11NN{DATE}{DATE}AOKGA|AA123|AB456|AC|AD1|",
    f"09N{DATE}{DATE}APx|AOKGA|AB456|AC|",
    f"29NN{DATE}{DATE}AOKGA|AA123|AB456|AD1|",
    f"65{DATE}AOKGA|AA123|AD1|",
    f"17{DATE}AOKGA|AB456|",
    f"35{DATE}AOKGA|AA123|",
    f"15+{DATE}AOKGA|AA123|AB456|AD1|",
    f"37{DATE}0100SEKBV10.00|AOKGA|AA123|AD1|",
    f"01N{DATE}AOKGA|ALx|AA123|AC|",
    f"19{DATE}AOKGA|AB456|CH|",
    f"25{DATE}AOKGA|AA123|",
    "97",
]


def garbage(rng: random.Random) -> bytes:
    """A frame that is random, a mutilated valid frame, or a valid code with nonsense."""
    kind = rng.random()
    if kind < 0.3:
        body = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
    elif kind < 0.8:
        body = bytearray(rng.choice(VALID).encode())
        for _ in range(rng.randrange(1, 6)):
            spot = rng.randrange(len(body) + 1)
            action = rng.random()
            if action < 0.4 and body:
                body[min(spot, len(body) - 1)] = rng.randrange(256)
            elif action < 0.7:
                body[spot:spot] = rng.choice([b"|", b"AY", b"AZ", b"AZ12", b"\x00", b"\xc3", b"AA"])
            else:
                del body[spot : spot + rng.randrange(1, 10)]
        body = bytes(body)
    else:
        code = rng.choice(VALID)[:2].encode()
        body = code + bytes(rng.randrange(32, 256) for _ in range(rng.randrange(0, 200)))
    body = body.replace(b"\r", b"").replace(b"\n", b"")
    return b"X" + body if not body.strip() else body


def connect(port: int) -> RawClient:
    client = RawClient(port, timeout=20)
    client.send(login_frame())
    assert client.read().startswith(b"941")
    return client


def test_ten_thousand_garbage_frames_do_not_take_the_server_down(sip_server, terminal):
    rng = random.Random(16)
    client = connect(sip_server.port)
    answered = reconnects = 0
    for _ in range(FUZZ_FRAMES):
        frame = garbage(rng)
        try:
            client.send(frame + b"\r")
            answer = client.read()
        except (ConnectionError, BrokenPipeError):
            client.close()
            client = connect(sip_server.port)
            reconnects += 1
            continue
        answered += 1
        # Every answer is a well-formed SIP2 frame (strict decoder, checksums included).
        decode_message(answer, encoding="utf-8")
    client.close()
    assert answered > FUZZ_FRAMES // 2
    assert reconnects > 0  # unreadable frames in a row do close connections
    # Still up, and a valid login is answered.
    after = RawClient(sip_server.port)
    _, answer = after.ask(login_frame())
    assert answer.ok == "1"
    assert not Loan.objects.exists()


def test_a_frame_too_long_closes_the_connection(sip_server, terminal):
    client = connect(sip_server.port)
    client.send(b"23" + b"x" * 20_000)
    assert client.closed()
    assert RawClient(sip_server.port).ask(login_frame())[1].ok == "1"


def test_desk_and_terminal_lending_one_item_at_once_make_one_loan(
    sip_server, terminal, patron_with_pin
):
    kga = Library.objects.get(code="KGA")
    desk_card = PatronFactory().cards.get().number
    client = connect(sip_server.port)
    for _ in range(8):
        item = ItemFactory()
        barrier = threading.Barrier(2)
        results = {}

        def desk(barcode=item.barcode, barrier=barrier, results=results):
            barrier.wait()
            try:
                check_out(
                    card_number=desk_card, barcode=barcode, library=kga, staff=None,
                    now=timezone.now(),
                )  # fmt: skip
                results["desk"] = "ok"
            except CheckoutRefused as refused:
                results["desk"] = refused.reason
            finally:
                from django.db import connection

                connection.close()

        thread = threading.Thread(target=desk)
        thread.start()
        card = patron_with_pin.card_number
        frame = f"11NN{DATE}{' ' * 18}AOKGA|AA{card}|AB{item.barcode}|AC|AD{PIN}|\r"
        barrier.wait()
        _, answer = client.ask(frame)
        thread.join(30)
        outcomes = sorted([results["desk"], "ok" if answer.ok == "1" else "refused"])
        assert outcomes in (["already_on_loan", "ok"], ["ok", "refused"]), outcomes
        assert Loan.objects.filter(item=item, returned_at__isnull=True).count() == 1


@pytest.fixture
def certificate(tmp_path):
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed (.ci/run installs it)")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


def test_tls_natively(terminal, certificate):
    cert, key = certificate
    config = Config(host="127.0.0.1", port=0, threads=2, tls_cert=cert, tls_key=key)
    with ServerThread(config) as running:
        context = ssl.create_default_context(cafile=cert)
        context.check_hostname = False
        with (
            socket.create_connection(("127.0.0.1", running.port), timeout=10) as plain,
            context.wrap_socket(plain, server_hostname="localhost") as tls,
        ):
            tls.sendall(login_frame().encode())
            assert tls.recv(100).startswith(b"941")
        # A plain-text client gets nothing and the server stays up.
        with socket.create_connection(("127.0.0.1", running.port), timeout=10) as plain:
            plain.sendall(login_frame().encode())
            with contextlib.suppress(ConnectionResetError):
                assert not plain.recv(100).startswith(b"94")
