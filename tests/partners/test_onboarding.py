"""Self-serve onboarding: the public application form, staff approval that creates the
partner and e-mails its owner a one-time link, joining through that link, and owners
managing their team (a partner always keeps an owner)."""

import re
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import close_old_connections
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from core.outbox import outbox_drain
from partners.models import Partner, PartnerApplication, PartnerInvitation, PartnerMember
from partners.services import (
    partner_application_approve,
    partner_application_reject,
    partner_application_submit,
    partner_invitation_create,
    partner_member_set_role,
)
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory, PartnerMemberFactory

FORM = {
    "company": "Banco Sol",
    "industry": "banking",
    "website": "https://bancosol.example",
    "country": "ES",
    "contact_name": "Ana García",
    "contact_email": "Ana@BancoSol.example",
    "message": "A card-holder course programme about personal finance.",
}


def _apply_url(language: str = "en") -> str:
    with translation.override(language):
        return reverse("partner_onboarding:apply")


def _link_from_mail(message) -> str:
    return re.search(r"https?://\S+/partners/invitations/\S+/", message.body).group(0)


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


@pytest.mark.django_db
def test_the_public_form_queues_one_application_per_pending_address(client):
    first = client.post(_apply_url("es"), FORM)
    again = client.post(_apply_url("es"), {**FORM, "company": "Banco Sol S.A."})

    assert first.status_code == 200 and again.status_code == 200
    application = PartnerApplication.objects.get()
    assert (application.contact_email, application.language, application.status) == (
        "ana@bancosol.example",
        "es",
        "pending",
    )


@pytest.mark.django_db
def test_a_refused_form_is_a_400_in_the_page_language_and_writes_nothing(client):
    response = client.post(_apply_url("zh-hans"), {**FORM, "contact_email": "not-an-address", "company": ""})

    assert response.status_code == 400
    assert "必填" in response.content.decode() or "这个字段是必填项" in response.content.decode()
    assert not PartnerApplication.objects.exists()


@pytest.mark.django_db
@override_settings(RATE_LIMITS={"partner_application": "2/hour"})
def test_the_form_is_limited_per_address(client):
    statuses = [
        client.post(_apply_url(), {**FORM, "contact_email": f"a{i}@x.example"}).status_code for i in range(3)
    ]

    assert statuses == [200, 200, 429]
    assert PartnerApplication.objects.count() == 2


@pytest.mark.django_db
def test_approval_creates_the_partner_and_mails_a_link_in_the_applicants_language(client):
    PartnerFactory(slug="banco-sol")  # the natural slug is taken
    application = partner_application_submit(language="es", **FORM)
    staff = UserFactory(is_staff=True)

    partner = partner_application_approve(application=application, reviewed_by=staff)
    assert outbox_drain() == 1

    assert partner.slug == "banco-sol-2"
    application.refresh_from_db()
    assert (application.status, application.partner, application.reviewed_by) == ("approved", partner, staff)
    invitation = PartnerInvitation.objects.get(partner=partner)
    assert (invitation.email, invitation.role) == ("ana@bancosol.example", "owner")
    message = mail.outbox[0]
    assert message.to == ["ana@bancosol.example"]
    assert message.subject == "Tu invitación al portal de socios de Banco Sol en Zhiqiao"
    assert "/es/partners/invitations/" in message.body
    assert message.alternatives and "/es/partners/invitations/" in message.alternatives[0][0]
    # the raw token is in the mail only: the outbox and the table keep no usable copy
    token = _link_from_mail(message).rstrip("/").rsplit("/", 1)[1]
    assert token not in str(list(PartnerInvitation.objects.values()))


@pytest.mark.django_db
def test_a_decided_application_cannot_be_decided_again():
    application = partner_application_submit(**FORM)
    partner_application_reject(application=application)
    outbox_drain()

    with pytest.raises(Exception) as again:
        partner_application_approve(application=application)

    assert again.value.code == "application_not_pending"
    assert not Partner.objects.exists()
    assert mail.outbox[0].to == ["ana@bancosol.example"]


@pytest.mark.django_db
def test_the_invited_owner_creates_an_account_joins_and_the_link_then_stops_working(client):
    partner_application_approve(application=partner_application_submit(**FORM))
    outbox_drain()
    path = _path(_link_from_mail(mail.outbox[0]))

    page = client.get(path)
    joined = client.post(
        path, {"username": "ana", "password1": "a-Long-pass-2026", "password2": "a-Long-pass-2026"}
    )
    client.logout()
    reused = client.get(path)

    assert page.status_code == 200 and 'data-testid="invitation-signup"' in page.content.decode()
    assert joined.status_code == 302
    member = PartnerMember.objects.get(user__username="ana")
    assert (member.role, member.user.email, member.partner.name) == (
        "owner",
        "ana@bancosol.example",
        "Banco Sol",
    )
    assert reused.status_code == 404


@pytest.mark.django_db
def test_a_signed_in_user_with_another_address_cannot_use_the_link(client):
    partner = PartnerFactory()
    partner_invitation_create(partner=partner, email="invited@x.example", role="analyst")
    outbox_drain()
    client.force_login(UserFactory(email="someone-else@x.example"))

    response = client.post(_path(_link_from_mail(mail.outbox[0])))

    assert response.status_code == 403
    assert not PartnerMember.objects.exists()


@pytest.mark.django_db
def test_an_expired_or_replaced_link_is_refused(client):
    partner = PartnerFactory()
    partner_invitation_create(partner=partner, email="late@x.example", role="analyst")
    outbox_drain()
    old_path = _path(_link_from_mail(mail.outbox[0]))
    partner_invitation_create(partner=partner, email="late@x.example", role="analyst")
    outbox_drain()
    new_path = _path(_link_from_mail(mail.outbox[1]))
    PartnerInvitation.objects.filter(revoked_at__isnull=True).update(expires_at=timezone.now() - timedelta(1))

    assert client.get(old_path).status_code == 404
    assert client.get(new_path).status_code == 404


# --- Team management in the portal -------------------------------------------------------


@pytest.fixture
def team(db):
    partner = PartnerFactory()
    owner = PartnerMemberFactory(partner=partner, user=UserFactory(username="owner")).user
    analyst = PartnerMemberFactory(partner=partner, user=UserFactory(username="analyst"), role="analyst").user
    return partner, owner, analyst


@pytest.mark.django_db
def test_owners_invite_and_analysts_cannot(client, team):
    _partner, owner, analyst = team
    client.force_login(analyst)
    refused = client.post(reverse("portal:member_invite"), {"email": "new@x.example", "role": "analyst"})
    client.force_login(owner)
    invited = client.post(reverse("portal:member_invite"), {"email": "new@x.example", "role": "analyst"})
    outbox_drain()

    assert refused.status_code == 403
    assert invited.status_code == 302
    assert PartnerInvitation.objects.get().email == "new@x.example"
    assert mail.outbox[0].to == ["new@x.example"]
    assert "new@x.example" in client.get(reverse("portal:member_list")).content.decode()


@pytest.mark.django_db
def test_the_last_owner_can_be_neither_demoted_nor_removed(client, team):
    _partner, owner, analyst = team
    me = PartnerMember.objects.get(user=owner)
    client.force_login(owner)

    demote = client.post(reverse("portal:member_role", kwargs={"pk": me.pk}), {"role": "analyst"})
    remove = client.post(reverse("portal:member_remove", kwargs={"pk": me.pk}))
    promote = client.post(
        reverse("portal:member_role", kwargs={"pk": PartnerMember.objects.get(user=analyst).pk}),
        {"role": "owner"},
    )
    then_demote = client.post(reverse("portal:member_role", kwargs={"pk": me.pk}), {"role": "analyst"})

    assert (demote.status_code, remove.status_code) == (409, 409)
    assert promote.status_code == 302 and then_demote.status_code == 302
    assert list(PartnerMember.objects.filter(role="owner").values_list("user__username", flat=True)) == [
        "analyst"
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_owners_demoting_each_other_at_once_leave_one_owner():
    partner = PartnerFactory()
    first = PartnerMemberFactory(partner=partner, user=UserFactory())
    second = PartnerMemberFactory(partner=partner, user=UserFactory())
    barrier, outcomes = threading.Barrier(2), []

    def demote(member) -> None:
        try:
            barrier.wait()
            partner_member_set_role(partner=partner, member_id=member.pk, role="analyst")
            outcomes.append("demoted")
        except Exception as exc:  # the refusal is the expected outcome for one of them
            outcomes.append(getattr(exc, "code", repr(exc)))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=demote, args=(m,)) for m in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["demoted", "last_owner"]
    assert PartnerMember.objects.filter(partner=partner, role="owner").count() == 1


@pytest.mark.django_db
def test_a_new_partner_sees_the_getting_started_checklist(client, team):
    _partner, owner, _analyst = team
    client.force_login(owner)

    html = client.get(reverse("portal:dashboard")).content.decode()

    assert 'data-testid="getting-started"' in html
    assert reverse("portal:campaign_create") in html
