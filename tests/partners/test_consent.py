import pytest
from django.urls import reverse

from core.exceptions import ApplicationError
from partners.models import ConsentText, PartnerConsent
from partners.selectors import learner_consent_list, partner_linked_learner_list
from partners.services import consent_text_make_current, partner_consent_grant, partner_consent_withdraw
from tests.partners.factories import ConsentTextFactory, PartnerFactory

pytestmark = pytest.mark.django_db


def test_grant_records_current_text_and_language(learner, partner_a, consent_text):
    consent = partner_consent_grant(user=learner, partner=partner_a, language="ja")
    assert consent.consent_text == consent_text
    assert consent.language == "ja"
    assert consent.withdrawn_at is None
    assert list(partner_linked_learner_list(partner=partner_a)) == [consent]


def test_grant_twice_under_the_same_version_keeps_one_consent(learner, partner_a, consent_text):
    first = partner_consent_grant(user=learner, partner=partner_a, language="en")
    second = partner_consent_grant(user=learner, partner=partner_a, language="en")
    assert first.pk == second.pk
    assert PartnerConsent.objects.count() == 1


def test_grant_under_a_new_version_replaces_the_old_consent(learner, partner_a, consent_text):
    old = partner_consent_grant(user=learner, partner=partner_a, language="en")
    v2 = consent_text_make_current(consent_text=ConsentTextFactory(version=2, is_current=False))
    new = partner_consent_grant(user=learner, partner=partner_a, language="es")
    old.refresh_from_db()
    assert old.withdrawn_at is not None
    assert new.consent_text == v2
    assert list(ConsentText.objects.filter(is_current=True)) == [v2]


def test_grant_without_a_current_text_is_refused(learner, partner_a):
    with pytest.raises(ApplicationError) as excinfo:
        partner_consent_grant(user=learner, partner=partner_a, language="en")
    assert excinfo.value.code == "no_consent_text"
    assert PartnerConsent.objects.count() == 0


def test_grant_to_a_paused_partner_is_refused(learner, consent_text):
    paused = PartnerFactory(slug="paused", status="paused")
    with pytest.raises(ApplicationError) as excinfo:
        partner_consent_grant(user=learner, partner=paused, language="en")
    assert excinfo.value.status_code == 404


def test_unknown_language_falls_back_to_default(learner, partner_a, consent_text):
    assert partner_consent_grant(user=learner, partner=partner_a, language="xx").language == "en"


def test_withdrawn_learner_disappears_from_partner_lists(client, learner, owner, partner_a, consent_text):
    # given: a linked learner the partner sees
    partner_consent_grant(user=learner, partner=partner_a, language="en")
    client.force_login(owner)
    assert "learner" in client.get("/en/partner/learners/").content.decode()
    # when
    withdrawn = partner_consent_withdraw(user=learner, partner=partner_a)
    # then
    assert withdrawn.withdrawn_at is not None
    assert list(partner_linked_learner_list(partner=partner_a)) == []
    response = client.get("/en/partner/learners/")
    assert list(response.context["page"].object_list) == []
    assert client.get("/en/partner/").context["figures"]["linked_learners"] == 0
    # the learner still sees the audit trail
    assert list(learner_consent_list(user=learner)) == [withdrawn]


def test_withdraw_without_consent_changes_nothing(learner, partner_a):
    assert partner_consent_withdraw(user=learner, partner=partner_a) is None


def test_learner_links_and_withdraws_through_the_pages(client, learner, partner_a, consent_text):
    client.force_login(learner)
    list_url = reverse("partners:consent_list")
    grant_url = reverse("partners:consent_grant", args=[partner_a.slug])
    # the consent text is shown in the learner's language
    page = client.get(grant_url.replace("/en/", "/es/"))
    assert page.status_code == 200
    assert "Acepto compartir mis datos (v1)." in page.content.decode()
    # without ticking the box nothing happens
    assert client.post(grant_url, {}).status_code == 400
    assert PartnerConsent.objects.count() == 0
    # ticking it links, in the language of the page
    response = client.post(grant_url.replace("/en/", "/es/"), {"agree": "on"})
    assert response.status_code == 302
    consent = PartnerConsent.objects.get()
    assert (consent.user, consent.partner, consent.language) == (learner, partner_a, "es")
    listing = client.get(list_url)
    assert listing.context["consents"] == [consent]
    assert partner_a not in listing.context["linkable"]
    # withdraw
    response = client.post(reverse("partners:consent_withdraw", args=[partner_a.slug]))
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None


def test_consent_list_shows_version_and_date_in_the_learner_language(
    client, learner, partner_a, consent_text
):
    partner_consent_grant(user=learner, partner=partner_a, language="zh-hans")
    client.force_login(learner)
    html = client.get("/zh-hans/account/partners/").content.decode()
    assert "我同意共享数据（第1版）。" in html
    assert "bank-a品牌" in html


def test_next_only_redirects_inside_the_site(client, learner, partner_a, consent_text):
    client.force_login(learner)
    url = reverse("partners:consent_grant", args=[partner_a.slug])
    inside = client.post(url, {"agree": "on", "next": "/en/courses/"})
    assert inside["Location"] == "/en/courses/"
    partner_consent_withdraw(user=learner, partner=partner_a)
    outside = client.post(url, {"agree": "on", "next": "https://evil.example/"})
    assert outside["Location"] == reverse("partners:consent_list")


def test_consent_pages_need_sign_in_and_change_nothing(client, partner_a, consent_text):
    for url in [
        reverse("partners:consent_list"),
        reverse("partners:consent_grant", args=[partner_a.slug]),
    ]:
        assert client.get(url).status_code == 302
    assert (
        client.post(reverse("partners:consent_grant", args=[partner_a.slug]), {"agree": "on"}).status_code
        == 302
    )
    assert PartnerConsent.objects.count() == 0


def test_unknown_partner_is_404(client, learner, consent_text):
    client.force_login(learner)
    assert client.get(reverse("partners:consent_grant", args=["nope"])).status_code == 404
    assert client.post(reverse("partners:consent_withdraw", args=["nope"])).status_code == 404


def test_a_learner_cannot_withdraw_another_learners_consent(client, learner, partner_a, consent_text):
    from tests.factories import UserFactory

    other = UserFactory(username="other")
    consent = partner_consent_grant(user=other, partner=partner_a, language="en")
    client.force_login(learner)
    client.post(reverse("partners:consent_withdraw", args=[partner_a.slug]))
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
