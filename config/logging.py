"""A log filter that removes secrets before any handler sees a record."""

from __future__ import annotations

import logging
import re

# Personnummer / samordningsnummer: (YY)YYMMDD[-+]NNNN, with or without separator.
_PERSONNUMMER = re.compile(r"(?<!\d)(?:\d{2})?\d{6}[-+]?\d{4}(?!\d)")
_AUTH_HEADER = re.compile(r"(?i)\b(authorization\s*[=:]\s*)(?:\w+\s+)?[^\s,;]+")
_SECRET_PAIRS = re.compile(
    r"(?i)\b(pin|password|passwd|token|secret|api[_-]?key|personnummer)"
    r"(\s*[=:]\s*|\"\s*:\s*\"|'\s*:\s*')([^\s&,;\"']+)"
)


def redact(text: str) -> str:
    text = _AUTH_HEADER.sub(lambda m: f"{m.group(1)}[redacted]", text)
    text = _SECRET_PAIRS.sub(lambda m: f"{m.group(1)}{m.group(2)}[redacted]", text)
    return _PERSONNUMMER.sub("[redacted]", text)


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
