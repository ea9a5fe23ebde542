"""manage.py sip2_server: serve SIP2 terminals (self-checkout machines, returns, sorters)."""

from __future__ import annotations

import asyncio
import contextlib
import os

from django.core.management.base import BaseCommand

from sip2.server import Config, Server


class Command(BaseCommand):
    help = "Serve SIP2 terminals over TCP (TLS when SIP2_TLS_CERT/--tls-cert is given)."

    def add_arguments(self, parser) -> None:
        env = os.environ.get
        parser.add_argument("--host", default=env("SIP2_HOST", "0.0.0.0"))  # noqa: S104
        parser.add_argument("--port", type=int, default=int(env("SIP2_PORT", "6001")))
        parser.add_argument("--threads", type=int, default=int(env("SIP2_THREADS", "16")))
        parser.add_argument(
            "--idle-seconds", type=float, default=float(env("SIP2_IDLE_SECONDS", "3600"))
        )
        parser.add_argument(
            "--reuse-port",
            action="store_true",
            default=env("SIP2_REUSE_PORT", "") == "1",
            help="let several processes listen on the same port",
        )
        parser.add_argument("--tls-cert", default=env("SIP2_TLS_CERT") or None)
        parser.add_argument("--tls-key", default=env("SIP2_TLS_KEY") or None)

    def handle(self, *args, **options) -> None:
        config = Config(
            host=options["host"],
            port=options["port"],
            threads=options["threads"],
            idle_seconds=options["idle_seconds"],
            reuse_port=options["reuse_port"],
            tls_cert=options["tls_cert"],
            tls_key=options["tls_key"],
        )
        self.stdout.write(
            f"SIP2 server on {config.host}:{config.port}"
            + (" (TLS)" if config.tls_cert else "")
            + f", {config.threads} worker threads"
        )
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(Server(config).serve_forever())
