"""The site's languages live in one short data file, ``config/languages.toml``, that the
settings read (``LANGUAGES``, ``MODELTRANSLATION_LANGUAGES``, ``CURRENCY_BY_LANGUAGE``) and
``add_language`` appends to, so adding a language never means a script editing Python.

This module has no Django imports: the settings load it before Django is set up."""

import json
import re
import tomllib
from pathlib import Path

CODE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$")


def read_languages(path: Path) -> list[dict[str, str]]:
    """``[{"code", "name", "currency"}, ...]`` in the file's order (the first is the default)."""
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("language", [])
    for entry in entries:
        if not CODE.match(entry.get("code", "")) or not entry.get("name") or not entry.get("currency"):
            raise ValueError(f"{path}: every [[language]] needs a lower-case code, a name and a currency")
    return entries


def append_language(path: Path, *, code: str, name: str, currency: str) -> None:
    # TOML basic strings accept JSON's escapes, so json.dumps quotes the name safely.
    quoted = json.dumps(name, ensure_ascii=False)
    block = f'\n[[language]]\ncode = "{code}"\nname = {quoted}\ncurrency = "{currency}"\n'
    with path.open("a", encoding="utf-8") as handle:
        handle.write(block)
