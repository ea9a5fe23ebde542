"""Translation workflow for the one project catalogue, locale/sv/LC_MESSAGES/django.po.

Source strings are English; Swedish is the default UI language. The compiled .mo is committed,
so a fresh machine needs no gettext. Developers need xgettext (Debian: gettext) for `extract`.

  python scripts/i18n.py extract          # collect msgids from code and templates (merges)
  python scripts/i18n.py missing          # print untranslated Swedish msgids as JSON
  python scripts/i18n.py apply FILE.json  # {"English msgid": "svensk text", ...} → .po, compile
  python scripts/i18n.py compile          # .po → .mo (pure Python, polib)

Every command takes a file lock, so several developers' runs never interleave.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "sv" / "LC_MESSAGES" / "django.po"
LOCK = ROOT / "locale" / ".i18n.lock"


def extract() -> None:
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "sv",
            "--no-location",
            "-e",
            "html,py,txt",
            "--ignore",
            ".venv",
            "--ignore",
            "static",
            "--ignore",
            "bench",
            "--ignore",
            "tests",
            "--ignore",
            ".data",
        ],
        cwd=ROOT,
        check=True,
    )
    compile_mo()


def missing() -> dict[str, str]:
    import polib

    catalogue = polib.pofile(str(PO))
    return {e.msgid: "" for e in catalogue if not e.obsolete and not _translated(e)}


def _translated(entry) -> bool:
    """A plural entry is translated through msgstr[0]/[1] and leaves msgstr empty."""
    if entry.fuzzy:
        return False
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def apply(path: str) -> None:
    import polib

    mapping = json.loads(Path(path).read_text(encoding="utf-8"))
    catalogue = polib.pofile(str(PO))
    done = 0
    for entry in catalogue:
        if mapping.get(entry.msgid):
            value = mapping[entry.msgid]
            if entry.msgid_plural:
                forms = value if isinstance(value, list) else [value, value]
                entry.msgstr_plural = {0: forms[0], 1: forms[1]}
            else:
                entry.msgstr = value
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            done += 1
    catalogue.save()
    compile_mo()
    print(f"applied {done} translations")


def compile_mo() -> None:
    import polib

    catalogue = polib.pofile(str(PO))
    catalogue.save_as_mofile(str(PO.with_suffix(".mo")))


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else "missing"
    with open(LOCK, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        if command == "extract":
            extract()
        elif command == "missing":
            print(json.dumps(missing(), ensure_ascii=False, indent=1))
        elif command == "apply":
            apply(sys.argv[2])
        elif command == "compile":
            compile_mo()
        else:
            raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
