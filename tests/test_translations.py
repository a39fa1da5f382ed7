"""Every interface string has a translation in each catalogue, and the compiled catalogue
holds every message of its source (a .po edited without compilemessages would not show)."""

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation import to_locale

LOCALE = Path(__file__).resolve().parent.parent / "locale"
# Every interface language but English (the msgids) has a catalogue: a language added to
# the settings without one fails here.
LANGUAGES = [to_locale(code) for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def _entries(po_text: str) -> list[dict[str, str]]:
    """Minimal .po reader: msgid and every msgstr/msgstr[n] of each entry, joined."""
    entries = []
    for block in po_text.split("\n\n"):
        fields: dict[str, str] = {}
        current = None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if fields.get("msgid"):
            entries.append(fields)
    return entries


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_interface_string_is_translated(language):
    po = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")

    untranslated = [
        entry["msgid"]
        for entry in _entries(po)
        if not all(value for key, value in entry.items() if key.startswith("msgstr"))
    ]

    assert untranslated == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_holds_every_message_of_its_source(language):
    folder = LOCALE / language / "LC_MESSAGES"
    sources = {
        entry["msgid"].encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
        for entry in _entries((folder / "django.po").read_text(encoding="utf-8"))
    }
    with (folder / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog

    compiled_ids = {key[0] if isinstance(key, tuple) else key for key in compiled if key}

    assert sources - compiled_ids == set()


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_translation_is_fuzzy(language):
    # gettext skips fuzzy entries: a guessed msgstr that nobody checked shows as English.
    po = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")

    # The header entry (msgid "") is fuzzy by convention and holds no message.
    fuzzy = [
        block
        for block in po.split("\n\n")
        if re.search(r"^#,.*\bfuzzy\b", block, re.M) and not re.search(r'^msgid ""\nmsgstr', block, re.M)
    ]

    assert fuzzy == []


def test_every_string_of_the_code_is_in_the_catalogues(tmp_path):
    """makemessages over a copy of the sources finds no message the catalogues lack, so a
    string marked for translation but never added to the .po files fails here."""
    root = LOCALE.parent
    copy = tmp_path / "src"
    shutil.copytree(
        root,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "staticfiles", "media", "node_modules", "locale", "tests"
        ),
    )
    (copy / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "es", "--ignore=bench", "--no-location"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
    )
    extracted = {entry["msgid"] for entry in _entries((copy / "locale/es/LC_MESSAGES/django.po").read_text())}
    catalogued = {entry["msgid"] for entry in _entries((LOCALE / "es/LC_MESSAGES/django.po").read_text())}

    assert sorted(extracted - catalogued) == []
