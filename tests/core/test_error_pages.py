"""The 404 and 500 pages: localized, with the site's header and footer; the 500 page
renders without touching the database (it is what a visitor sees when the database is down)."""

import pytest
from django.db import connections
from django.test import RequestFactory
from django.utils import translation

from core.views import server_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("en", "Page not found"),
        ("zh-hans", "页面不存在"),
        ("ja", "ページが見つかりません"),
        ("es", "Página no encontrada"),
    ],
)
def test_the_404_page_speaks_the_language_of_the_url_with_the_site_chrome(client, language, title):
    response = client.get(f"/{language}/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert f'<html lang="{language}"' in html
    assert title in html
    assert 'class="site-header"' in html and 'class="site-footer"' in html
    assert 'data-testid="not-found"' in html


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("en", "Something went wrong"),
        ("zh-hans", "出错了"),
        ("ja", "エラーが発生しました"),
        ("es", "Algo salió mal"),
    ],
)
def test_the_500_page_is_localized_and_needs_no_database(language, title, monkeypatch):
    # given a database that refuses every query
    def refuse(*args, **kwargs):
        raise AssertionError("the 500 page must not query the database")

    for connection in connections.all():
        monkeypatch.setattr(connection, "cursor", refuse)
    request = RequestFactory().get(f"/{language}/courses/")
    # when Django renders the server error in the request's language
    with translation.override(language):
        response = server_error(request)
    html = response.content.decode()
    # then the page is in that language, with the site's header, language links and footer
    assert response.status_code == 500
    assert f'<html lang="{language}"' in html
    assert title in html
    assert 'class="site-header"' in html and 'class="site-footer"' in html
    assert 'href="/es/"' in html or language == "es"
    assert 'data-testid="server-error"' in html
