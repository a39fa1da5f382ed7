"""translation_report: per model, field and language, translated count, total and share."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from core.translation_report import TranslationCount, translation_report
from courses.models import Category
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def make_categories():
    # given three categories: every one in English, two in Chinese, one in Japanese, none in
    # Spanish; one English description and one empty description
    Category.objects.create(
        slug="a", name_en="A", name_zh_hans="甲", name_ja="エー", description_en="About A"
    )
    Category.objects.create(slug="b", name_en="B", name_zh_hans="乙", description_en="")
    Category.objects.create(slug="c", name_en="C")


def rows_for(model: str, field: str) -> dict[str, tuple[int, int, Decimal]]:
    return {
        row.language: (row.translated, row.total, row.share)
        for row in translation_report()
        if row.model == model and row.field == field
    }


def test_counts_translated_values_per_field_and_language():
    make_categories()

    assert rows_for("courses.Category", "name") == {
        "en": (3, 3, Decimal("100.0")),
        "zh-hans": (2, 3, Decimal("66.7")),
        "ja": (1, 3, Decimal("33.3")),
        "es": (0, 3, Decimal("0.0")),
        "ar": (0, 3, Decimal("0.0")),
    }
    assert rows_for("courses.Category", "description") == {
        "en": (1, 3, Decimal("33.3")),
        "zh-hans": (0, 3, Decimal("0.0")),
        "ja": (0, 3, Decimal("0.0")),
        "es": (0, 3, Decimal("0.0")),
        "ar": (0, 3, Decimal("0.0")),
    }


def test_an_empty_table_reports_zero_share():
    assert rows_for("courses.Course", "title")["en"] == (0, 0, Decimal("0.0"))


def test_every_registered_field_is_reported_in_every_language():
    rows = translation_report()
    course_fields = {row.field for row in rows if row.model == "courses.Course"}
    assert course_fields == {"title", "subtitle", "description"}
    per_field = {(row.model, row.field) for row in rows}
    assert len(rows) == len(settings.MODELTRANSLATION_LANGUAGES) * len(per_field)


def test_share_rounds_half_up_to_one_decimal():
    assert TranslationCount("m", "f", "en", 1, 8).share == Decimal("12.5")
    assert TranslationCount("m", "f", "en", 1, 6).share == Decimal("16.7")


def test_command_prints_a_table():
    make_categories()
    out = StringIO()

    call_command("translation_report", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["model", "field", "language", "translated", "total", "share"]
    assert set(lines[1]) <= {"-", " "}
    assert ["courses.Category", "name", "ja", "1", "3", "33.3%"] in [line.split() for line in lines]


def test_command_prints_json():
    make_categories()
    out = StringIO()

    call_command("translation_report", "--format", "json", stdout=out)

    rows = json.loads(out.getvalue())["rows"]
    assert {
        "model": "courses.Category",
        "field": "name",
        "language": "zh-hans",
        "translated": 2,
        "total": 3,
        "share": 66.7,
    } in rows


def test_admin_page_shows_the_numbers_to_staff(client):
    make_categories()
    client.force_login(UserFactory(is_staff=True))

    response = client.get("/admin/translation-report/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "courses.Category" in content
    assert "33.3%" in content
    assert "66.7%" in content


def test_admin_index_links_to_the_report(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.get("/admin/")

    assert response.status_code == 200
    assert 'href="/admin/translation-report/"' in response.content.decode()


@pytest.mark.parametrize("staff", [None, False])
def test_admin_page_is_for_staff_only(client, staff):
    if staff is not None:
        client.force_login(UserFactory(is_staff=staff))

    response = client.get("/admin/translation-report/")

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")
