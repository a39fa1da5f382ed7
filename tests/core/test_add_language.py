"""``add_language`` on a copy of the project: one command gives a sixth language its settings
entry, the migrations of every translated field, a catalogue with CLDR's plural rule
(compiled), and a report of what is left to translate."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path):
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv",
            ".git",
            "staticfiles",
            "media",
            "private-media",
            "node_modules",
            "tests",
            "bench",
            "*.pyc",
        ),
    )
    return copy


def _manage(project: Path, *arguments: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        # A database without tables: the report says it cannot count values, nothing else.
        "DATABASE_URL": f"sqlite:///{project / 'empty.sqlite3'}",
        "PYTHONPATH": str(project),
    }
    return subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=project, env=env, capture_output=True, text=True
    )


def _msgids(po: Path) -> int:
    return len(re.findall(r'^msgid "(?!")', po.read_text(encoding="utf-8"), re.M)) + len(
        re.findall(r'^msgid ""\n"', po.read_text(encoding="utf-8"), re.M)
    )


def test_one_command_adds_a_language(project):
    result = _manage(project, "add_language", "fr", "French", "--currency", "EUR")

    assert result.returncode == 0, result.stderr
    assert '[[language]]\ncode = "fr"\nname = "French"\ncurrency = "EUR"\n' in (
        project / "config/languages.toml"
    ).read_text(encoding="utf-8")
    # The settings of a fresh process know it, with its first currency.
    shown = _manage(
        project,
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.LANGUAGES[-1][0], s.MODELTRANSLATION_LANGUAGES[-1], s.CURRENCY_BY_LANGUAGE['fr'])",
    )
    assert shown.stdout.strip().splitlines()[-1].split() == ["fr", "fr", "EUR"]
    # Migrations: every translated model gains its French column, and nothing else is pending.
    migration = next((project / "courses/migrations").glob("*_language_fr.py")).read_text()
    assert "title_fr" in migration and "description_fr" in migration
    assert _manage(project, "makemigrations", "--check", "--dry-run").returncode == 0
    # The catalogue: every message of the complete Spanish one, untranslated, French plurals.
    po = project / "locale/fr/LC_MESSAGES/django.po"
    text = po.read_text(encoding="utf-8")
    assert '"Plural-Forms: nplurals=3; plural=' in text
    assert "msgstr[2]" in text and "fuzzy" not in text.split("\n\n", 1)[0]
    assert _msgids(po) == _msgids(ROOT / "locale/es/LC_MESSAGES/django.po")
    assert (project / "locale/fr/LC_MESSAGES/django.mo").stat().st_size > 0
    # The report.
    count = _msgids(po)
    assert "Translation report for fr:" in result.stdout
    assert f"interface: {count} of {count} messages to translate" in result.stdout
    assert re.search(r"content: \d+ translated fields", result.stdout)


def test_a_known_or_unknown_code_changes_nothing(project):
    before = (project / "config/languages.toml").read_text(encoding="utf-8")

    known = _manage(project, "add_language", "ar", "Arabic")
    unknown = _manage(project, "add_language", "xx-nope", "Nowhere")
    bad_currency = _manage(project, "add_language", "fr", "French", "--currency", "GBP")

    assert "already a language" in known.stderr
    assert "Django does not know" in unknown.stderr
    assert "not one of the site's currencies" in bad_currency.stderr
    assert (project / "config/languages.toml").read_text(encoding="utf-8") == before
    assert not (project / "locale/fr").exists()


def test_plural_headers_come_from_cldr():
    from babel import Locale

    from core.management.commands.add_language import gettext_plural_forms

    assert gettext_plural_forms(Locale.parse("ko")) == "nplurals=1; plural=(0);"
    assert gettext_plural_forms(Locale.parse("ar")).startswith("nplurals=6; plural=")
    # CLDR's Spanish-like rule uses the exponent e, which gettext lacks.
    assert " e " not in gettext_plural_forms(Locale.parse("fr")) and "(e" not in gettext_plural_forms(
        Locale.parse("fr")
    )
