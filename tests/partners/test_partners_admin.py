import pytest

from core.exceptions import ApplicationError
from partners.models import ApiKey, ConsentText, Partner, PartnerMember
from partners.services import partner_create, partner_member_add
from tests.factories import UserFactory
from tests.partners.factories import ConsentTextFactory

pytestmark = pytest.mark.django_db


def test_partner_create_makes_a_secret_and_keeps_translations():
    partner = partner_create(slug="bank", name="Harbor Bank", industry="banking", name_zh_hans="港湾银行")
    assert len(partner.customer_id_secret) == 64
    assert partner.name_en == "Harbor Bank"
    assert partner.name_zh_hans == "港湾银行"
    other = partner_create(slug="home", name="Nestwood", industry="home")
    assert other.customer_id_secret != partner.customer_id_secret


@pytest.mark.parametrize("colour", ["red", "#12345", "#1234567", "</style>"])
def test_partner_create_rejects_bad_brand_colours(colour):
    with pytest.raises(ApplicationError) as excinfo:
        partner_create(slug="bad", name="Bad", industry="x", primary_color=colour)
    assert excinfo.value.code == "invalid_partner"
    assert not Partner.objects.exists()


def test_member_add_is_idempotent_and_one_partner_per_user(partner_a, partner_b):
    user = UserFactory(username="m")
    first = partner_member_add(partner=partner_a, user=user)
    again = partner_member_add(partner=partner_a, user=user, role=PartnerMember.Role.ANALYST)
    assert first.pk == again.pk
    assert again.role == "analyst"
    with pytest.raises(ApplicationError) as excinfo:
        partner_member_add(partner=partner_b, user=user)
    assert excinfo.value.code == "member_of_other_partner"


@pytest.mark.parametrize(
    "path",
    [
        "/admin/partners/partner/",
        "/admin/partners/partner/add/",
        "/admin/partners/apikey/",
        "/admin/partners/partnercustomer/",
        "/admin/partners/consenttext/",
        "/admin/partners/consenttext/add/",
        "/admin/partners/partnerconsent/",
    ],
)
def test_admin_pages_open_for_staff(client, staff, partner_a, owner, issue_key, path):
    issue_key(partner_a)
    client.force_login(staff)
    assert client.get(path).status_code == 200


def test_admin_partner_change_page_hides_the_secret(client, staff, partner_a):
    client.force_login(staff)
    html = client.get(f"/admin/partners/partner/{partner_a.pk}/change/").content.decode()
    assert partner_a.customer_id_secret not in html
    assert "name_zh_hans" in html


def test_admin_cannot_add_api_keys_and_revokes_them(client, staff, partner_a, issue_key):
    api_key, _raw = issue_key(partner_a)
    client.force_login(staff)
    assert client.get("/admin/partners/apikey/add/").status_code == 403
    response = client.post(
        "/admin/partners/apikey/", {"action": "revoke", "_selected_action": [api_key.pk]}, follow=True
    )
    assert response.status_code == 200
    assert ApiKey.objects.get(pk=api_key.pk).revoked_at is not None


def test_admin_publishing_a_consent_text_retires_the_previous(client, staff):
    v1 = ConsentTextFactory(version=1)
    client.force_login(staff)
    response = client.post(
        "/admin/partners/consenttext/add/",
        {
            "version": 2,
            "body_en": "v2 text",
            "body_zh_hans": "",
            "body_ja": "",
            "body_es": "",
            "publish": "on",
        },
    )
    assert response.status_code == 302
    assert list(ConsentText.objects.filter(is_current=True).values_list("version", flat=True)) == [2]
    v1.refresh_from_db()
    assert v1.is_current is False
