"""``add_language <code> "<name>"``: a new language for the interface and the content in one
step: the entry in ``config/languages.toml`` (which the settings read), the modeltranslation
migrations of every translated model, a gettext catalogue with every message of the site and
the plural rule CLDR gives the language, compiled; then a report of what is left to
translate. The steps that need the new settings run in a fresh ``manage.py`` process."""

import gettext
import os
import re
import subprocess
import sys
from pathlib import Path

from babel.core import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from babel.plural import to_gettext
from django.conf import settings
from django.conf.locale import LANG_INFO
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import to_locale
from modeltranslation.translator import translator
from modeltranslation.utils import build_localized_fieldname

from core.languages import CODE, append_language
from core.translation_report import _has_value


def gettext_plural_forms(locale: Locale) -> str:
    """The ``Plural-Forms`` header from CLDR's plural rule. CLDR's rules may use the compact
    exponent ``e`` (Spanish, French, Italian: "1 million" takes "many"); gettext counts whole
    numbers written plainly, whose exponent is 0, and has no ``e``, so it becomes 0."""
    nplurals, _sep, expression = to_gettext(locale.plural_form).partition("plural=")
    expression = re.sub(r"\be\b", "0", expression).rstrip(";")
    try:
        gettext.c2py(expression)  # what gettext itself accepts
    except (ValueError, SyntaxError) as exc:
        raise CommandError(f"CLDR's plural rule of {locale} does not fit gettext: {expression}") from exc
    return f"{nplurals}plural={expression};"


class Command(BaseCommand):
    help = "Adds a language: settings entry, migrations, catalogue (compiled) and a translation report."

    def add_arguments(self, parser):
        parser.add_argument("code", help="Django language code, lower case: fr, pt-br, ko")
        parser.add_argument("name", help='English name, as in the language switcher: "French"')
        parser.add_argument(
            "--currency", default=None, help="currency a visitor sees first (default: DEFAULT_CURRENCY)"
        )

    def handle(self, *args, code: str, name: str, currency: str | None, **options):
        code = code.strip().lower()
        name = name.strip()
        currency = (currency or settings.DEFAULT_CURRENCY).upper()
        locale = self._check(code, name, currency)
        root = Path(settings.BASE_DIR)

        append_language(Path(settings.LANGUAGES_FILE), code=code, name=name, currency=currency)
        self.stdout.write(f"Added {code} ({name}, {currency}) to {settings.LANGUAGES_FILE}")

        # Every app: translated fields gain a column, and fields whose choices are the
        # site's languages change too. The repository keeps migrations complete (CI checks
        # it), so nothing else is pending.
        self._manage(root, "makemigrations", "--name", f"language_{code.replace('-', '_')}")

        po_path, messages = self._catalogue(root, code, locale)
        self.stdout.write(
            f"Wrote {po_path.relative_to(root)}: {messages} messages, {gettext_plural_forms(locale)}"
        )
        self._manage(root, "compilemessages", "--locale", to_locale(code), "--ignore", ".venv")

        self._report(code, messages)

    def _check(self, code: str, name: str, currency: str) -> Locale:
        if not CODE.match(code):
            raise CommandError(f"{code!r} is not a language code such as fr, pt-br or ko.")
        if code in dict(settings.LANGUAGES):
            raise CommandError(f"{code} is already a language of the site.")
        if not name:
            raise CommandError('Give the language\'s English name, e.g. "French".')
        if currency not in settings.CURRENCIES:
            raise CommandError(
                f"{currency} is not one of the site's currencies: {', '.join(settings.CURRENCIES)}."
            )
        if code not in LANG_INFO:
            # Django must know it (name, bidi) for its own catalogue and the admin.
            raise CommandError(f"Django does not know the language {code}.")
        try:
            return Locale.parse(to_locale(code))
        except (UnknownLocaleError, ValueError) as exc:
            raise CommandError(f"CLDR (Babel) has no locale for {code}: {exc}") from exc

    def _manage(self, root: Path, *arguments: str) -> None:
        # A fresh process: this one's settings were read before the language was added.
        result = subprocess.run(
            [sys.executable, str(root / "manage.py"), *arguments],
            cwd=root,
            env=os.environ.copy(),
            capture_output=True,
            text=True,
        )
        self.stdout.write(result.stdout.rstrip())
        if result.returncode:
            raise CommandError(f"manage.py {' '.join(arguments)} failed:\n{result.stderr}")

    def _catalogue(self, root: Path, code: str, locale: Locale) -> tuple[Path, int]:
        """Every message of the most complete existing catalogue, untranslated, under the new
        language's header."""
        locale_dir = Path(settings.LOCALE_PATHS[0])
        sources = sorted(locale_dir.glob("*/LC_MESSAGES/django.po"))
        if not sources:
            raise CommandError(f"No catalogue in {locale_dir} to take the messages from.")
        catalogues = []
        for path in sources:
            with path.open("rb") as handle:
                catalogues.append(read_po(handle))
        source = max(catalogues, key=len)

        catalogue = Catalog(locale=locale, project="Zhiqiao", fuzzy=False)
        catalogue.mime_headers = [("Plural-Forms", gettext_plural_forms(locale))]
        for message in source:
            if not message.id:
                continue
            empty = ("",) * catalogue.num_plurals if message.pluralizable else ""
            catalogue.add(message.id, empty, flags=message.flags - {"fuzzy"}, context=message.context)
        path = locale_dir / to_locale(code) / "LC_MESSAGES" / "django.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalogue, width=0, omit_header=False)
        return path, len(catalogue)

    def _report(self, code: str, messages: int) -> None:
        """What is left: every message of the interface, and every content value written in
        the default language (its translation in the new column is empty until someone
        writes it). The counts read the existing columns, so they need no migration."""
        self.stdout.write("")
        self.stdout.write(f"Translation report for {code}:")
        self.stdout.write(f"  interface: {messages} of {messages} messages to translate")
        default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
        models = sorted(translator.get_registered_models(abstract=False), key=lambda m: m._meta.label)
        fields = [
            (model, field)
            for model in models
            for field in sorted(translator.get_options_for_model(model).all_fields)
        ]
        try:
            counts = [
                (
                    f"{model._meta.label}.{field}",
                    model._base_manager.filter(
                        _has_value(model, build_localized_fieldname(field, default))
                    ).count(),
                )
                for model, field in fields
            ]
        except DatabaseError as exc:
            self.stdout.write(
                f"  content: {len(fields)} translated fields (no database to count values: {exc})"
            )
        else:
            for label, count in counts:
                self.stdout.write(f"  {label}: {count} values to translate")
            total = sum(count for _label, count in counts)
            self.stdout.write(f"  content: {len(fields)} translated fields, {total} values to translate")
        self.stdout.write(
            "Next: python manage.py migrate; translate "
            f"locale/{to_locale(code)}/LC_MESSAGES/django.po, then compilemessages; fill the "
            f"{code} tabs of the content in the admin (its translation report shows the progress)."
        )
