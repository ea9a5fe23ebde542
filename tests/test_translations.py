"""The Swedish catalogue is complete: every current msgid has a Swedish text that is not fuzzy
(fuzzy entries are not compiled, so staff would see English), plural entries through msgstr[n],
placeholders kept, and the committed .mo says what the .po says."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest

PO = Path(__file__).resolve().parent.parent / "locale" / "sv" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(PO))


def current(catalogue: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in catalogue if not entry.obsolete]


def test_no_swedish_text_is_missing(catalogue):
    missing = [
        entry.msgid
        for entry in current(catalogue)
        if (
            not all(entry.msgstr_plural.values()) or len(entry.msgstr_plural) < 2
            if entry.msgid_plural
            else not entry.msgstr
        )
    ]
    assert missing == [], f"{len(missing)} msgids have no Swedish: {missing[:20]}"


def test_no_swedish_text_is_fuzzy(catalogue):
    fuzzy = [entry.msgid for entry in current(catalogue) if entry.fuzzy]
    assert fuzzy == [], f"{len(fuzzy)} fuzzy entries (shown in English): {fuzzy[:20]}"


def placeholders(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


def test_translations_keep_the_placeholders(catalogue):
    wrong = []
    for entry in current(catalogue):
        if entry.msgid_plural:
            # Swedish may drop the number in the singular ("en bok"); the plural keeps them.
            expected = placeholders(entry.msgid_plural)
            texts = [entry.msgstr_plural.get(1, "")]
        else:
            expected = placeholders(entry.msgid)
            texts = [entry.msgstr]
        wrong += [entry.msgid for text in texts if text and placeholders(text) != expected]
    assert wrong == [], f"placeholders differ from the English: {wrong[:20]}"


def test_the_compiled_catalogue_matches_the_po_file(catalogue):
    compiled = polib.mofile(str(PO.with_suffix(".mo")))
    in_mo = {(e.msgctxt, e.msgid): e.msgstr or dict(e.msgstr_plural) for e in compiled}
    in_po = {
        (e.msgctxt, e.msgid): e.msgstr or dict(e.msgstr_plural)
        for e in current(catalogue)
        if not e.fuzzy and (e.msgstr or any(e.msgstr_plural.values()))
    }
    stale = [key[1] for key, text in in_po.items() if in_mo.get(key) != text]
    assert stale == [], f"run scripts/i18n.py compile: {stale[:20]}"
