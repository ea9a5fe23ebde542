"""Text messages through a pluggable gateway, chosen by ``SMS_URL`` in the environment:

- ``console:`` (development default): prints that a message went out — never its text;
- ``file:///some/dir``: one JSON file per message in that directory (tests, a real worker);
- ``locmem:``: kept in ``outbox`` in this process (unit tests);
- ``https://user:password@gateway.example/send``: an HTTP provider. The message is POSTed as
  JSON ``{"to": ..., "from": ..., "message": ...}`` with HTTP basic auth; any 2xx is success.
  ``SMS_SENDER`` names the sender (11 characters at most).

A gateway raises ``SmsFailed`` when it could not deliver; the notice is then retried.
"""

from __future__ import annotations

import base64
import json
import logging
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from django.conf import settings

logger = logging.getLogger(__name__)
outbox: list[dict] = []


class SmsFailed(Exception):
    pass


class Gateway:
    def send(self, *, to: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleGateway(Gateway):
    def send(self, *, to: str, text: str) -> None:
        logger.info("SMS sent (%d characters)", len(text))


class LocmemGateway(Gateway):
    def send(self, *, to: str, text: str) -> None:
        outbox.append({"to": to, "message": text})


class FileGateway(Gateway):
    def __init__(self, directory: str) -> None:
        self.directory = Path(directory)

    def send(self, *, to: str, text: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.json"
        (self.directory / name).write_text(
            json.dumps({"to": to, "message": text}, ensure_ascii=False), encoding="utf-8"
        )


class HttpGateway(Gateway):
    def __init__(self, url: str, sender: str, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        self.user, self.password = unquote(parts.username or ""), unquote(parts.password or "")
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        self.url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
        self.sender, self.timeout = sender, timeout

    def send(self, *, to: str, text: str) -> None:
        body = json.dumps({"to": to, "from": self.sender, "message": text}).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in gateway()
            self.url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        if self.user:
            token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                if not 200 <= response.status < 300:
                    raise SmsFailed(f"gateway answered {response.status}")
        except OSError as error:  # URLError, HTTPError, timeouts
            raise SmsFailed(type(error).__name__) from None


def gateway() -> Gateway:
    url = getattr(settings, "SMS_URL", "console:") or "console:"
    scheme = urlsplit(url).scheme
    if scheme == "console":
        return ConsoleGateway()
    if scheme == "locmem":
        return LocmemGateway()
    if scheme == "file":
        return FileGateway(urlsplit(url).path)
    if scheme in {"http", "https"}:
        return HttpGateway(url, sender=getattr(settings, "SMS_SENDER", "Granslos"))
    raise ValueError(f"unknown SMS_URL scheme {scheme!r}")
