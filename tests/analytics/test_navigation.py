"""Links to the one metrics page per campaign: each campaign's portal pages and the admin index."""

import pytest
from django.urls import reverse

from tests.analytics import factories as f
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal(client):
    bank = f.partner("bank")
    spring, autumn = f.campaign(bank, slug="spring"), f.campaign(bank, slug="autumn")
    client.force_login(f.member(bank, "bank-owner"))
    return client, spring, autumn


def _metrics_links(html: str) -> int:
    return html.count('data-testid="campaign-metrics-link"')


def test_campaign_list_links_every_campaign_to_its_metrics(portal):
    client, spring, autumn = portal

    response = client.get(reverse("portal:campaign_list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert _metrics_links(html) == 2
    for campaign in (spring, autumn):
        assert f'href="{reverse("portal:campaign_metrics", args=[campaign.pk])}"' in html


@pytest.mark.parametrize("page", ["campaign_detail", "campaign_codes", "campaign_links", "campaign_metrics"])
def test_campaign_pages_link_to_the_metrics_page(portal, page):
    client, spring, _autumn = portal

    response = client.get(reverse(f"portal:{page}", args=[spring.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert _metrics_links(html) == 1
    assert f'href="{reverse("portal:campaign_metrics", args=[spring.pk])}"' in html


def test_admin_index_links_the_staff_dashboards(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.get(reverse("admin:index"))

    html = response.content.decode()
    assert response.status_code == 200
    for name, testid in (
        ("dashboard", "admin-analytics-dashboard"),
        ("alliance", "admin-analytics-alliance"),
        ("trends", "admin-analytics-trends"),
    ):
        assert f'<a href="{reverse(f"analytics_admin:{name}")}" data-testid="{testid}">' in html
    assert reverse("analytics_admin:dashboard") == "/admin/analytics/"


def test_linked_dashboards_open_for_staff(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    statuses = [
        client.get(reverse(f"analytics_admin:{name}")).status_code
        for name in ("dashboard", "alliance", "trends")
    ]

    assert statuses == [200, 200, 200]
