"""Learners and partner admins see times in their own zone, the zone named: the profile's
choice (copied into the session at sign-in), else the zone the browser reported in the
``zq_tz`` cookie, else UTC (core.middleware.UserTimeZoneMiddleware)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import LearnerProfile
from core.timezones import COOKIE_NAME, SESSION_KEY, local_day_bounds, zone_for_market
from tests.factories import LearnerProfileFactory, LiveSessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _next_year_at_noon_utc() -> datetime:
    # July: Madrid is on summer time (UTC+2), Shanghai is UTC+8 all year.
    return datetime(timezone.now().year + 1, 7, 1, 12, 0, tzinfo=UTC)


def _session_start(client, session) -> str:
    html = client.get(f"/en/courses/{session.course.slug}/").content.decode()
    return html.split('data-testid="session-start">', 1)[1].split("</td>", 1)[0]


@pytest.mark.parametrize(
    ("zone", "shown"),
    [("Asia/Shanghai", "8:00\u202fPM (Asia/Shanghai)"), ("Europe/Madrid", "2:00\u202fPM (Europe/Madrid)")],
)
def test_a_live_session_page_shows_the_learners_own_hours_and_names_the_zone(client, zone, shown):
    session = LiveSessionFactory(starts_at=_next_year_at_noon_utc())
    learner = LearnerProfileFactory(time_zone=zone).user
    client.force_login(learner)
    client.session.save()
    store = client.session
    store[SESSION_KEY] = zone  # what signing in puts there (tested below)
    store.save()

    cell = _session_start(client, session)

    assert shown in cell
    offset = "+08:00" if zone == "Asia/Shanghai" else "+02:00"
    assert f'datetime="{session.starts_at.astimezone(timezone.get_fixed_timezone(0)).year}-07-01T' in cell
    assert offset in cell


def test_an_anonymous_visitor_gets_the_zone_their_browser_reported_and_pages_are_cached_per_zone(client):
    session = LiveSessionFactory(starts_at=_next_year_at_noon_utc())

    plain = _session_start(client, session)
    client.cookies[COOKIE_NAME] = "Asia/Shanghai"
    shanghai = _session_start(client, session)
    client.cookies[COOKIE_NAME] = "Not/AZone"
    forged = _session_start(client, session)

    assert "12:00\u202fPM (UTC)" in plain
    assert "8:00\u202fPM (Asia/Shanghai)" in shanghai
    assert "12:00\u202fPM (UTC)" in forged  # an unknown zone is ignored, never a 500


def test_the_profile_choice_beats_the_browser_and_follows_the_learner_at_sign_in(client):
    session = LiveSessionFactory(starts_at=_next_year_at_noon_utc())
    LearnerProfileFactory(user=UserFactory(username="madrid"), time_zone="Europe/Madrid")
    client.cookies[COOKIE_NAME] = "Asia/Shanghai"

    signed_in = client.post("/en/accounts/login/", {"username": "madrid", "password": "pass-1234"})

    assert signed_in.status_code == 302

    assert client.session[SESSION_KEY] == "Europe/Madrid"
    assert "2:00\u202fPM (Europe/Madrid)" in _session_start(client, session)


def test_the_profile_form_saves_a_valid_zone_and_refuses_an_unknown_one(client):
    profile = LearnerProfileFactory(preferred_language="en", country="")
    client.force_login(profile.user)
    form = {"preferred_language": "en", "country": "", "preferred_currency": ""}

    refused = client.post("/en/accounts/profile/", {**form, "time_zone": "Mars/Olympus"})
    saved = client.post("/en/accounts/profile/", {**form, "time_zone": "Asia/Tokyo"})

    assert refused.status_code == 400
    assert saved.status_code == 302
    assert LearnerProfile.objects.get(pk=profile.pk).time_zone == "Asia/Tokyo"
    assert client.session[SESSION_KEY] == "Asia/Tokyo"
    assert 'value="Asia/Shanghai"' in client.get("/en/accounts/profile/").content.decode()


def test_the_api_validates_the_zone_and_writes_times_with_their_offset():
    profile = LearnerProfileFactory(marketing_consent=False)
    api = APIClient()
    api.force_authenticate(profile.user)

    refused = api.patch("/api/v1/me/", {"time_zone": "Europe/Atlantis"}, format="json")
    saved = api.patch("/api/v1/me/", {"time_zone": "Europe/Madrid"}, format="json")

    assert refused.status_code == 400 and refused.json()["code"]
    assert saved.status_code == 200 and saved.json()["time_zone"] == "Europe/Madrid"
    assert LearnerProfile.objects.get(pk=profile.pk).time_zone == "Europe/Madrid"


def test_market_zones_and_local_days():
    assert [zone_for_market(c) for c in (["CN"], ["jp"], ["ES"], ["US"], ["ZZ", "ES"], [])] == [
        "Asia/Shanghai",
        "Asia/Tokyo",
        "Europe/Madrid",
        "America/New_York",
        "Europe/Madrid",
        "UTC",
    ]
    start, end = local_day_bounds(datetime(2026, 3, 29).date(), "Europe/Madrid")  # summer time begins
    assert end - start == timedelta(hours=23)


def test_a_token_client_gets_times_with_the_offset_of_the_learners_zone():
    from rest_framework.authtoken.models import Token

    profile = LearnerProfileFactory(
        time_zone="Asia/Shanghai",
        marketing_consent=True,
        marketing_consent_at=datetime(2026, 1, 2, 23, 30, tzinfo=UTC),
    )
    token = Token.objects.create(user=profile.user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    body = api.get("/api/v1/me/").json()

    assert body["marketing_consent_at"] == "2026-01-03T07:30:00+08:00"
