"""Language of API requests: ``?lang=`` beats Accept-Language; API paths live outside
``i18n_patterns``, so LocaleMiddleware alone would only read the header and the cookie."""

import pytest
from django.conf import settings

from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/categories/"


@pytest.fixture(autouse=True)
def category():
    return CategoryFactory(
        slug="tea",
        name_en="Tea",
        name_zh_hans="茶",
        name_ja="お茶",
        name_es="Té",
        name_ar="الشاي",
        description_en="Leaves",
    )


def name(response) -> str:
    return response.json()["results"][0]["name"]


@pytest.mark.parametrize(
    ("lang", "expected_name", "expected_code"),
    [
        ("en", "Tea", "en"),
        ("zh-hans", "茶", "zh-hans"),
        ("zh-Hans", "茶", "zh-hans"),
        ("zh-CN", "茶", "zh-hans"),
        ("zh", "茶", "zh-hans"),
        ("ja", "お茶", "ja"),
        ("ja-JP", "お茶", "ja"),
        ("es", "Té", "es"),
        ("es-MX", "Té", "es"),
        (" ES ", "Té", "es"),
        ("ar", "الشاي", "ar"),
        ("ar-EG", "الشاي", "ar"),
    ],
)
def test_lang_parameter_and_its_regional_variants(client, lang, expected_name, expected_code):
    response = client.get(URL, {"lang": lang})

    assert response.status_code == 200
    assert name(response) == expected_name
    assert response["Content-Language"] == expected_code


@pytest.mark.parametrize("lang", ["fr", "xx", "", "x" * 500, "../../etc/passwd", "zh-hans'--"])
def test_unknown_lang_parameter_on_the_api_is_a_400(client, lang):
    response = client.get(URL, {"lang": lang})

    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "detail": "lang must be one of: en, zh-hans, ja, es, ar."}


def test_unknown_lang_parameter_is_refused_in_the_accept_language(client):
    response = client.get(URL, {"lang": "fr"}, HTTP_ACCEPT_LANGUAGE="es,en;q=0.5")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("lang ")
    assert response["Content-Language"] == "es"


def test_unknown_lang_parameter_on_a_page_is_ignored(client):
    response = client.get("/en/courses/", {"lang": "fr"})

    assert response.status_code == 200
    assert response["Content-Language"] == "en"


@pytest.mark.parametrize(
    ("header", "expected"),
    [("zh-CN,zh;q=0.9,en;q=0.8", "茶"), ("es-ES,es;q=0.9", "Té"), ("de-DE,fr;q=0.5", "Tea"), ("*", "Tea")],
)
def test_accept_language_on_an_api_path(client, header, expected):
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE=header)

    assert name(response) == expected
    assert "Accept-Language" in response["Vary"]


def test_language_cookie_is_honoured_and_lang_parameter_beats_it(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"

    from_cookie = client.get(URL)
    from_parameter = client.get(URL, {"lang": "ja"})

    assert name(from_cookie) == "Té"
    assert name(from_parameter) == "お茶"


def test_blank_translation_falls_back_to_english_never_empty(client):
    CategoryFactory(slug="zen", name_en="Zen", name_zh_hans="禅", name_ja="", name_es="", position=1)

    response = client.get(URL, {"lang": "ja"})

    names = {item["slug"]: item["name"] for item in response.json()["results"]}
    assert names == {"tea": "お茶", "zen": "Zen"}
    descriptions = {item["slug"]: item["description"] for item in response.json()["results"]}
    assert descriptions["tea"] == "Leaves"


def test_language_does_not_leak_into_the_next_request(client):
    client.get(URL, {"lang": "ja"})

    response = client.get(URL)

    assert name(response) == "Tea"
    assert response["Content-Language"] == "en"
