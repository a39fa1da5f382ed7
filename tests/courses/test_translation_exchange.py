"""The translation workflow for content: a course's untranslated fields exported to PO and
XLIFF 1.2 for one language, imported back with validation, all or nothing."""

import polib
import pytest
from translate.storage import xliff

from core.exceptions import ApplicationError
from courses.models import Course, Lesson, Section
from courses.translation_exchange import (
    course_translation_export,
    course_translation_import,
    target_languages,
)
from tests.factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    course = CourseFactory(
        slug="tea-basics",
        title_en="Tea basics",
        title_ja="お茶の基本",
        title_es="",
        subtitle_en="From leaf to cup",
        subtitle_ja="",
        description_en="Brew %(count)s teas at home.",
        description_ja="",
    )
    section = Section.objects.create(course=course, title_en="Green tea", position=1)
    Lesson.objects.create(
        section=section,
        title_en="Water",
        body_en="<p>Use <b>soft</b> water at {temperature}.</p>",
        position=1,
    )
    return course


def _keys(course):
    section = course.sections.get()
    lesson = Lesson.objects.get(section=section)
    return {
        "subtitle": f"courses.course:{course.pk}:subtitle",
        "description": f"courses.course:{course.pk}:description",
        "title": f"courses.course:{course.pk}:title",
        "section": f"courses.section:{section.pk}:title",
        "lesson_title": f"courses.lesson:{lesson.pk}:title",
        "lesson_body": f"courses.lesson:{lesson.pk}:body",
    }


def _po(course, language="ja"):
    content, name = course_translation_export(course=course, language=language, file_format="po")
    return polib.pofile(content.decode()), name


def _po_bytes(po) -> bytes:
    return str(po).encode()


def test_po_export_holds_the_untranslated_fields_only(course):
    po, name = _po(course)
    keys = _keys(course)

    assert name == "tea-basics.ja.po"
    assert po.metadata["Language"] == "ja"
    assert po.metadata["X-Zhiqiao-Course"] == "tea-basics"
    by_key = {entry.msgctxt: entry for entry in po}
    # the Japanese title exists: not exported; empty English texts (the lesson has none
    # beyond title and body) have nothing to translate
    assert set(by_key) == {
        keys["subtitle"],
        keys["description"],
        keys["section"],
        keys["lesson_title"],
        keys["lesson_body"],
    }
    assert by_key[keys["lesson_body"]].msgid == "<p>Use <b>soft</b> water at {temperature}.</p>"
    assert all(entry.msgstr == "" for entry in po)


def test_xliff_export_is_xliff_1_2_with_the_same_units(course):
    content, name = course_translation_export(course=course, language="es", file_format="xliff")

    assert name == "tea-basics.es.xlf"
    assert b'version="1.2"' in content and b"urn:oasis:names:tc:xliff:document:1.2" in content
    store = xliff.xlifffile.parsestring(content)
    assert store.gettargetlanguage() == "es"
    ids = {unit.xmlelement.get("id") for unit in store.units}
    # Spanish has no title either: it is exported for es
    assert _keys(course)["title"] in ids and len(ids) == 6


def test_a_translated_po_file_is_imported_and_empty_targets_are_ignored(course):
    po, _name = _po(course)
    keys = _keys(course)
    for entry in po:
        if entry.msgctxt == keys["description"]:
            entry.msgstr = "家で %(count)s 種類のお茶を淹れる。"
        if entry.msgctxt == keys["lesson_body"]:
            entry.msgstr = "<p>{temperature} の<b>軟水</b>を使う。</p>"
        if entry.msgctxt == keys["section"]:
            entry.msgstr = "緑茶"

    result = course_translation_import(course=course, language="ja", data=_po_bytes(po))

    assert result.ok and result.applied == 3 and result.skipped_empty == 2
    course.refresh_from_db()
    assert course.description_ja == "家で %(count)s 種類のお茶を淹れる。"
    assert course.subtitle_ja == ""
    assert Section.objects.get(course=course).title_ja == "緑茶"
    assert Lesson.objects.get(section__course=course).body_ja == "<p>{temperature} の<b>軟水</b>を使う。</p>"


def test_a_translated_xliff_file_is_imported(course):
    content, _name = course_translation_export(course=course, language="es", file_format="xliff")
    store = xliff.xlifffile.parsestring(content)
    for unit in store.units:
        if unit.xmlelement.get("id") == _keys(course)["title"]:
            unit.target = "Lo básico del té"

    result = course_translation_import(course=course, language="es", data=bytes(store))

    assert result.ok and result.applied == 1 and result.skipped_empty == 5
    course.refresh_from_db()
    assert course.title_es == "Lo básico del té"
    assert Course.objects.filter(search_text__icontains="básico").exists()


def _import_with(course, changes: dict[str, tuple[str | None, str]], language="ja", add: dict | None = None):
    """Export for ja, set ``msgstr`` (and optionally ``msgid``) per key, import."""
    po, _name = _po(course)
    for entry in po:
        if entry.msgctxt in changes:
            msgid, msgstr = changes[entry.msgctxt]
            entry.msgid = msgid if msgid is not None else entry.msgid
            entry.msgstr = msgstr
    for key, (msgid, msgstr) in (add or {}).items():
        po.append(polib.POEntry(msgctxt=key, msgid=msgid, msgstr=msgstr))
    return course_translation_import(course=course, language=language, data=_po_bytes(po))


def _unchanged(course):
    course.refresh_from_db()
    lesson = Lesson.objects.get(section__course=course)
    return not course.subtitle_ja and not course.description_ja and not lesson.title_ja


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("unknown", "unknown_unit"),
        ("other_course", "unknown_unit"),
        ("source_changed", "source_changed"),
        ("placeholder", "placeholders_mismatch"),
        ("tag", "tags_mismatch"),
    ],
)
def test_each_bad_unit_is_reported_and_nothing_is_written(course, case, code):
    keys = _keys(course)
    good = {keys["subtitle"]: (None, "葉から一杯まで"), keys["lesson_title"]: (None, "水")}
    other = CourseFactory(slug="other-course", subtitle_en="Beans")
    bad = {
        "unknown": ({}, {"courses.lesson:999999:title": ("Ghost", "幽霊")}),
        "other_course": ({}, {f"courses.course:{other.pk}:subtitle": ("Beans", "豆")}),
        "source_changed": ({keys["description"]: ("Brew two teas at home.", "二種類のお茶")}, {}),
        "placeholder": ({keys["description"]: (None, "家でお茶を淹れる。")}, {}),
        "tag": ({keys["lesson_body"]: (None, "<p>{temperature} の軟水を使う。</p>")}, {}),
    }[case]

    result = _import_with(course, {**good, **bad[0]}, add=bad[1])

    assert not result.ok
    assert [error["code"] for error in result.errors] == [code]
    assert result.applied == 0
    assert _unchanged(course)


def test_a_file_for_another_language_is_refused(course):
    po, _name = _po(course, language="es")
    for entry in po:
        entry.msgstr = "x"

    with pytest.raises(ApplicationError) as refused:
        course_translation_import(course=course, language="ja", data=_po_bytes(po))

    assert refused.value.code == "wrong_language"
    assert _unchanged(course)


def test_a_file_of_another_course_and_a_broken_file_are_refused(course):
    other = CourseFactory(slug="coffee", subtitle_en="Beans")
    po, _name = _po(other)
    with pytest.raises(ApplicationError) as refused:
        course_translation_import(course=course, language="ja", data=_po_bytes(po))
    assert refused.value.code == "wrong_course"

    for broken in (
        b"<?xml version='1.0'?><xliff><file",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>',
    ):
        with pytest.raises(ApplicationError) as refused:
            course_translation_import(course=course, language="ja", data=broken)
        assert refused.value.code == "invalid_file"


def test_languages_come_from_the_modeltranslation_setting(course, settings):
    assert target_languages() == [code for code in settings.MODELTRANSLATION_LANGUAGES if code != "en"]
    settings.MODELTRANSLATION_LANGUAGES = ("en", "ja")

    assert target_languages() == ["ja"]
    with pytest.raises(ApplicationError) as refused:
        course_translation_export(course=course, language="es", file_format="po")
    assert refused.value.code == "wrong_language"


# --- Staff pages ----------------------------------------------------------------------------


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_report_links_to_the_workflow_and_staff_export_and_import(staff_client, course):
    report = staff_client.get("/admin/translation-report/").content.decode()
    assert 'href="/admin/courses/course/translations/"' in report
    index = staff_client.get("/admin/courses/course/translations/", {"q": "tea"}).content.decode()
    assert f'href="/admin/courses/course/{course.pk}/translations/"' in index
    page = staff_client.get(f"/admin/courses/course/{course.pk}/translations/")
    assert page.status_code == 200

    download = staff_client.get(
        f"/admin/courses/course/{course.pk}/translations/export/", {"language": "ja", "format": "po"}
    )
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="tea-basics.ja.po"'
    po = polib.pofile(download.content.decode())
    for entry in po:
        if entry.msgctxt == _keys(course)["subtitle"]:
            entry.msgstr = "葉から一杯まで"

    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("tea-basics.ja.po", _po_bytes(po))
    response = staff_client.post(
        f"/admin/courses/course/{course.pk}/translations/", {"language": "ja", "file": upload}
    )
    assert response.status_code == 200
    assert 'id="translation-applied"' in response.content.decode()
    course.refresh_from_db()
    assert course.subtitle_ja == "葉から一杯まで"

    wrong = SimpleUploadedFile("tea-basics.ja.po", _po_bytes(po))
    refused = staff_client.post(
        f"/admin/courses/course/{course.pk}/translations/", {"language": "es", "file": wrong}
    )
    assert refused.status_code == 400
    assert 'data-code="wrong_language"' in refused.content.decode()


def test_the_workflow_is_for_staff_only(client, course):
    client.force_login(UserFactory())
    response = client.get(
        f"/admin/courses/course/{course.pk}/translations/export/", {"language": "ja", "format": "po"}
    )
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
