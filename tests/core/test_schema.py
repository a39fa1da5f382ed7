"""OpenAPI 3 schema (/api/schema/) and its Swagger UI (/api/docs/)."""

import pytest
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from accounts.api.urls import urlpatterns as accounts_api_urls
from courses.api.catalog import CategoryListView, CourseDetailView, CourseListView

pytestmark = pytest.mark.django_db

STOREFRONT_PATHS = {
    "/api/v1/auth/token/": {"post"},
    "/api/v1/me/": {"get", "patch"},
    "/api/v1/categories/": {"get"},
    "/api/v1/courses/": {"get"},
    "/api/v1/courses/{slug}/": {"get"},
}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_is_valid_openapi_3(schema):
    validate_schema(schema)

    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Zhiqiao API"


def test_schema_lists_the_storefront_endpoints(schema):
    for url, methods in STOREFRONT_PATHS.items():
        assert url in schema["paths"], url
        assert methods <= set(schema["paths"][url]), url


def test_course_list_documents_its_filters_with_their_choices(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/courses/"]["get"]["parameters"]}

    assert {
        "q",
        "category",
        "format",
        "level",
        "language",
        "tag",
        "price_min",
        "price_max",
        "currency",
        "ordering",
        "lang",
        "page",
        "page_size",
    } <= set(parameters)
    assert sorted(parameters["format"]["schema"]["enum"]) == ["audio", "ebook", "live", "video"]
    assert sorted(parameters["currency"]["schema"]["enum"]) == ["CNY", "EUR", "JPY", "USD"]
    assert sorted(parameters["ordering"]["schema"]["enum"]) == sorted(
        ["popular", "newest", "rating", "price", "-price", "title"]
    )


def test_schema_shows_money_as_string_amount_and_currency(schema):
    money = schema["components"]["schemas"]["Money"]

    assert money["properties"]["amount"]["type"] == "string"
    assert set(money["required"]) == {"amount", "currency"}


def test_storefront_views_of_this_module_generate_without_warnings():
    # given only the catalog and account endpoints (other apps' views are theirs to fix)
    patterns = [
        path(
            "api/v1/",
            include(
                (
                    [
                        *accounts_api_urls,
                        path("categories/", CategoryListView.as_view()),
                        path("courses/", CourseListView.as_view()),
                        path("courses/<slug:slug>/", CourseDetailView.as_view(), name="course-detail"),
                    ],
                    "api",
                ),
                namespace="api",
            ),
        )
    ]
    GENERATOR_STATS.reset()

    # when their schema is generated
    with GENERATOR_STATS.silence():
        generated = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)

    # then it is valid and produced no warning or error
    validate_schema(generated)
    assert dict(GENERATOR_STATS._warn_cache) == {}
    assert dict(GENERATOR_STATS._error_cache) == {}


def test_swagger_ui_renders_from_the_sidecar(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    # The start-up script is a file (no inline script under the CSP); it names the schema.
    assert "/api/schema/" in client.get("/api/docs/", {"script": ""}).content.decode()
