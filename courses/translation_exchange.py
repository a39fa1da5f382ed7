"""A course's content for translators: its untranslated fields exported to PO (polib) or
XLIFF 1.2 (translate-toolkit) for one target language, and the translator's file imported
back with validation, all or nothing.

A unit is one translated field of one row of the course (the course, its sections, lessons,
quizzes, questions and choices: every field modeltranslation registers for them), keyed
``<app.model>:<pk>:<field>``. The file carries the source text (PO ``msgid``, XLIFF
``<source>``) as exported, so an import sees when the source changed since. An import
writes nothing when any unit is wrong: the result lists every error, the translator fixes
the file and imports it again. Languages come from ``MODELTRANSLATION_LANGUAGES``; the
source is ``MODELTRANSLATION_DEFAULT_LANGUAGE``."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import polib
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modeltranslation.translator import translator
from modeltranslation.utils import build_localized_fieldname
from translate.storage import xliff

from core.exceptions import ApplicationError

from .catalog_cache import catalog_bump
from .models import Choice, Course, Lesson, Question, Quiz, Section
from .services import course_index_search_text

FORMATS = ("po", "xliff")
MAX_FILE_BYTES = 5 * 1024 * 1024
# The rows of a course, each with the lookup from the model to the course.
COURSE_PARTS: tuple[tuple[type[models.Model], str], ...] = (
    (Course, "pk"),
    (Section, "course"),
    (Lesson, "section__course"),
    (Quiz, "course"),
    (Question, "quiz__course"),
    (Choice, "question__quiz__course"),
)
PLACEHOLDER = re.compile(r"%\([^)]+\)[sdif]|%[sdif]|\{[A-Za-z0-9_]*\}")
TAG = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9]*)\b[^>]*?(/?)>")


class TranslationFileRefused(ApplicationError):
    """The whole file is refused: ``invalid_file``, ``wrong_language``, ``wrong_course``."""

    code = "invalid_file"


def source_language() -> str:
    return settings.MODELTRANSLATION_DEFAULT_LANGUAGE


def target_languages() -> list[str]:
    return [code for code in settings.MODELTRANSLATION_LANGUAGES if code != source_language()]


def _normalized(language: str | None) -> str:
    return (language or "").strip().lower().replace("_", "-")


@dataclass(frozen=True)
class Unit:
    key: str
    model: type[models.Model]
    pk: int
    field: str
    source: str
    target: str
    max_length: int | None

    @property
    def label(self) -> str:
        return f"{self.model._meta.verbose_name} #{self.pk}: {self.field}"


def course_units(*, course: Course, language: str) -> list[Unit]:
    """Every translated field of the course's rows (one query per model, six in all)."""
    source = source_language()
    units: list[Unit] = []
    for model, lookup in COURSE_PARTS:
        fields = sorted(translator.get_options_for_model(model).all_fields)
        columns = [build_localized_fieldname(name, lang) for name in fields for lang in (source, language)]
        rows = model._base_manager.filter(**{lookup: course.pk}).order_by("pk").values("pk", *columns)
        for row in rows:
            for name in fields:
                column = model._meta.get_field(build_localized_fieldname(name, language))
                units.append(
                    Unit(
                        key=f"{model._meta.label_lower}:{row['pk']}:{name}",
                        model=model,
                        pk=row["pk"],
                        field=name,
                        source=row[build_localized_fieldname(name, source)] or "",
                        target=row[build_localized_fieldname(name, language)] or "",
                        max_length=getattr(column, "max_length", None)
                        if isinstance(column, models.CharField)
                        else None,
                    )
                )
    return units


def untranslated_units(*, course: Course, language: str) -> list[Unit]:
    return [
        u for u in course_units(course=course, language=language) if u.source.strip() and not u.target.strip()
    ]


def _check_language(language: str) -> str:
    if language not in target_languages():
        raise TranslationFileRefused(
            _("Choose one of the target languages: %(languages)s.")
            % {"languages": ", ".join(target_languages())},
            code="wrong_language",
        )
    return language


# --- Export -------------------------------------------------------------------------------


def course_translation_export(*, course: Course, language: str, file_format: str) -> tuple[bytes, str]:
    """The course's untranslated fields in ``language`` as a file; returns (content, name)."""
    language = _check_language(language)
    units = untranslated_units(course=course, language=language)
    name = f"{course.slug}.{language}.{'po' if file_format == 'po' else 'xlf'}"
    if file_format == "po":
        return _po_export(course, language, units), name
    if file_format == "xliff":
        return _xliff_export(course, language, units), name
    raise TranslationFileRefused(_("Choose PO or XLIFF."), code="invalid_file")


def _po_export(course: Course, language: str, units: list[Unit]) -> bytes:
    po = polib.POFile(wrapwidth=0)
    po.metadata = {
        "Project-Id-Version": f"Zhiqiao course {course.slug}",
        "Language": language,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "X-Zhiqiao-Course": course.slug,
        "X-Zhiqiao-Source-Language": source_language(),
    }
    for unit in units:
        po.append(polib.POEntry(msgctxt=unit.key, msgid=unit.source, msgstr="", comment=unit.label))
    return str(po).encode("utf-8")


class Xliff12File(xliff.xlifffile):
    """translate-toolkit writes XLIFF 1.1 by default; translation tools expect 1.2, which
    has the same elements here, so only the namespace and version differ."""

    namespace = "urn:oasis:names:tc:xliff:document:1.2"
    XMLskeleton = """<?xml version="1.0" ?>
<xliff version='1.2' xmlns='urn:oasis:names:tc:xliff:document:1.2'>
<file original='NoName' source-language='en' datatype='plaintext'>
<body>
</body>
</file>
</xliff>"""


def _xliff_original(course: Course) -> str:
    return f"zhiqiao-course:{course.slug}"


def _xliff_export(course: Course, language: str, units: list[Unit]) -> bytes:
    store = Xliff12File(sourcelanguage=source_language())
    store.settargetlanguage(language)
    for unit in units:
        entry = store.addsourceunit(unit.source)
        entry.setid(unit.key)
        entry.target = ""
        entry.addnote(str(unit.label), origin="developer")
    # Named after the units are in: units are added to the file node called "NoName".
    store.setfilename(store.getfilenode("NoName"), _xliff_original(course))
    return bytes(store)


# --- Import -------------------------------------------------------------------------------


@dataclass
class ImportResult:
    language: str
    applied: int = 0
    skipped_empty: int = 0
    errors: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _parse(data: bytes, course: Course) -> tuple[str, list[tuple[str, str, str]]]:
    """(the file's target language, [(key, source, target)])."""
    if len(data) > MAX_FILE_BYTES:
        raise TranslationFileRefused(_("The file is larger than 5 MB."), code="invalid_file")
    head = data.lstrip()[:200].lower()
    if head.startswith((b"<?xml", b"<xliff")):
        # No DTDs: an entity could read files or expand without end (XXE, billion laughs).
        if b"<!doctype" in data.lower() or b"<!entity" in data.lower():
            raise TranslationFileRefused(_("The XLIFF file may not declare a DTD."), code="invalid_file")
        try:
            store = xliff.xlifffile.parsestring(data)
        except Exception as exc:  # any parser error is a broken file, never a 500
            raise TranslationFileRefused(
                _("This is not a readable XLIFF file."), code="invalid_file"
            ) from exc
        originals = set(store.getfilenames())
        if originals and originals != {_xliff_original(course)}:
            raise TranslationFileRefused(_("This file was exported for another course."), code="wrong_course")
        units = [(u.xmlelement.get("id") or "", u.source or "", u.target or "") for u in store.units]
        return _normalized(store.gettargetlanguage()), units
    try:
        po = polib.pofile(data.decode("utf-8"), wrapwidth=0)
    except (UnicodeDecodeError, OSError, ValueError) as exc:
        raise TranslationFileRefused(_("This is not a readable PO file."), code="invalid_file") from exc
    slug = po.metadata.get("X-Zhiqiao-Course")
    if slug and slug != course.slug:
        raise TranslationFileRefused(_("This file was exported for another course."), code="wrong_course")
    # Fuzzy entries are guesses nobody checked: they count as empty, as gettext treats them.
    units = [
        (e.msgctxt or "", e.msgid, "" if e.fuzzy else e.msgstr) for e in po if not e.obsolete and e.msgid
    ]
    return _normalized(po.metadata.get("Language")), units


def _markup(text: str) -> tuple[Counter, Counter]:
    tags = Counter((closing, name.lower()) for closing, name, _self in TAG.findall(text))
    return Counter(PLACEHOLDER.findall(text)), tags


def _unit_error(unit: Unit | None, key: str, source: str, target: str) -> tuple[str, str] | None:
    if unit is None:
        return "unknown_unit", str(_("No such field in this course."))
    if source != unit.source:
        return "source_changed", str(_("The source text changed since the export: export the course again."))
    placeholders, tags = _markup(target)
    want_placeholders, want_tags = _markup(source)
    if placeholders != want_placeholders:
        return "placeholders_mismatch", str(
            _("The placeholders differ from the source's: %(placeholders)s.")
            % {"placeholders": " ".join(sorted(want_placeholders)) or "—"}
        )
    if tags != want_tags:
        return "tags_mismatch", str(
            _("The HTML tags differ from the source's: %(tags)s.")
            % {"tags": " ".join(sorted(f"<{c}{n}>" for c, n in want_tags)) or "—"}
        )
    if unit.max_length is not None and len(target) > unit.max_length:
        return "too_long", str(_("At most %(n)s characters.") % {"n": unit.max_length})
    return None


def course_translation_import(*, course: Course, language: str, data: bytes) -> ImportResult:
    """Checks every unit of the file; writes the non-empty targets in one transaction when
    none is wrong, nothing otherwise. Raises ``TranslationFileRefused`` for a file that is
    not for this course and language at all."""
    language = _check_language(language)
    file_language, entries = _parse(data, course)
    if file_language != _normalized(language):
        raise TranslationFileRefused(
            _("The file is for “%(file)s”, not for “%(language)s”.")
            % {"file": file_language or "?", "language": language},
            code="wrong_language",
        )
    result = ImportResult(language=language)
    with transaction.atomic():
        current = {u.key: u for u in course_units(course=course, language=language)}
        changes: dict[type[models.Model], dict[int, dict[str, str]]] = defaultdict(dict)
        seen: set[str] = set()
        for key, source, target in entries:
            if key in seen:
                result.errors.append(
                    {"key": key, "code": "duplicate_unit", "message": str(_("Listed twice."))}
                )
                continue
            seen.add(key)
            unit = current.get(key)
            if not target.strip():
                if unit is None:
                    result.errors.append(
                        {
                            "key": key,
                            "code": "unknown_unit",
                            "message": str(_("No such field in this course.")),
                        }
                    )
                else:
                    result.skipped_empty += 1
                continue
            problem = _unit_error(unit, key, source, target)
            if problem:
                result.errors.append({"key": key, "code": problem[0], "message": problem[1]})
                continue
            changes[unit.model].setdefault(unit.pk, {})[build_localized_fieldname(unit.field, language)] = (
                target
            )
        if result.errors:
            return result
        now = timezone.now()
        for model, by_pk in changes.items():
            rows = list(model._base_manager.select_for_update().filter(pk__in=by_pk).order_by("pk"))
            columns = sorted({column for values in by_pk.values() for column in values})
            for row in rows:
                for column, value in by_pk[row.pk].items():
                    setattr(row, column, value)
                row.updated_at = now
            # bulk_update sends no signals: the search column and the catalog cache are
            # refreshed below, as a save in the admin would.
            model._base_manager.bulk_update(rows, [*columns, "updated_at"])
            result.applied += sum(len(values) for values in by_pk.values())
        if Course in changes:
            course_index_search_text(courses=Course.objects.filter(pk=course.pk))
        if changes:
            catalog_bump()
    return result
