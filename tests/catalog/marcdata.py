"""Paths of the real MARC test files (tests/data/marc, see its README)."""

from pathlib import Path

MARC_DIR = Path(__file__).resolve().parent.parent / "data" / "marc"
LOC_SWEDISH = MARC_DIR / "loc-swedish.mrc"
LIBRIS = MARC_DIR / "libris"
MALFORMED = MARC_DIR / "malformed"


def read(path: Path) -> bytes:
    return path.read_bytes()


LOC_SAMPLE = MARC_DIR / "loc-sample-5000.mrc"
