import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from partners.models import ApiKey, PartnerCustomer
from partners.services import partner_customers_upsert
from tests.factories import CategoryFactory, LearnerProfileFactory
from tests.partners.factories import PartnerConsentFactory

pytestmark = pytest.mark.django_db

PORTAL = "/en/partner/"
ROLES = ["anonymous", "learner", "staff", "other_owner", "analyst", "owner"]


@pytest.fixture
def world(partner_a, partner_b, owner, analyst, other_owner, learner, staff, issue_key):
    CategoryFactory(slug="finance")
    api_key, _raw = issue_key(partner_a)
    partner_customers_upsert(
        partner=partner_a, customers=[{"external_id": "a-1", "interests": ["finance"], "consent": True}]
    )
    customer = PartnerCustomer.objects.get(partner=partner_a)
    return {
        "users": {
            "learner": learner,
            "staff": staff,
            "other_owner": other_owner,
            "analyst": analyst,
            "owner": owner,
        },
        "api_key": api_key,
        "customer": customer,
    }


def csv_file(text="external_id,interests,country,language,consent\nnew-1,finance,ES,es,true\n"):
    return SimpleUploadedFile("customers.csv", text.encode(), content_type="text/csv")


def state_of(partner):
    return (
        sorted(ApiKey.objects.filter(partner=partner).values_list("id", "revoked_at", "name")),
        sorted(PartnerCustomer.objects.filter(partner=partner).values_list("external_hash", "interests")),
    )


# page: (method, path builder, data builder, {role: status}); writes list the roles that change A
PAGES = {
    "dashboard": ("get", lambda w: PORTAL, None),
    "api_key_list": ("get", lambda w: f"{PORTAL}api-keys/", None),
    "api_key_create": (
        "post",
        lambda w: f"{PORTAL}api-keys/new/",
        lambda: {"name": "CRM", "scopes": ["customers:write"]},
    ),
    "api_key_revoke": ("post", lambda w: f"{PORTAL}api-keys/{w['api_key'].pk}/revoke/", lambda: {}),
    "customer_list": ("get", lambda w: f"{PORTAL}customers/", None),
    "customer_upload": ("post", lambda w: f"{PORTAL}customers/upload/", lambda: {"file": csv_file()}),
    "customer_detail": ("get", lambda w: f"{PORTAL}customers/{w['customer'].external_hash}/", None),
    "linked_learner_list": ("get", lambda w: f"{PORTAL}learners/", None),
}
READ = {"anonymous": 302, "learner": 403, "staff": 403, "other_owner": 200, "analyst": 200, "owner": 200}
EXPECTED = {
    "dashboard": READ,
    "api_key_list": READ,
    "customer_list": READ,
    "linked_learner_list": READ,
    "customer_detail": {**READ, "other_owner": 404},
    "api_key_create": {**READ, "analyst": 403},
    "api_key_revoke": {**READ, "other_owner": 404, "analyst": 403, "owner": 302},
    "customer_upload": {**READ, "other_owner": 302, "analyst": 403, "owner": 302},
}
WRITES = {"api_key_create", "api_key_revoke", "customer_upload"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(PAGES))
def test_portal_authorization_matrix(client, world, partner_a, role, page):
    # given
    method, path_of, data_of = PAGES[page]
    if role != "anonymous":
        client.force_login(world["users"][role])
    before = state_of(partner_a)
    # when
    args = {"data": data_of()} if data_of else {}
    response = getattr(client, method)(path_of(world), **args)
    # then
    expected = EXPECTED[page][role]
    assert response.status_code == expected
    if role == "anonymous":
        assert response["Location"].startswith("/en/accounts/login/?next=")
    if expected == 403:
        assert response.templates[0].name == "portal/partners/forbidden.html"
    changed = state_of(partner_a) != before
    assert changed is (role == "owner" and page in WRITES)


def test_dashboard_shows_partner_brand_and_figures(client, world, owner, partner_a):
    client.force_login(owner)
    response = client.get(PORTAL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bank-A Brand" in html
    assert response.context["figures"] == {
        "customers": 1,
        "customers_by_country": [{"country": "", "count": None, "suppressed": True}],
        "linked_learners": 0,
        "active_api_keys": 1,
    }
    assert partner_a.primary_color in html


def test_dashboard_in_chinese_shows_translated_brand(client, world, owner):
    client.force_login(owner)
    response = client.get("/zh-hans/partner/")
    assert "bank-a品牌" in response.content.decode()


def test_owner_creates_a_key_and_sees_it_once(client, world, owner, partner_a):
    client.force_login(owner)
    response = client.post(
        f"{PORTAL}api-keys/new/", {"name": "CRM", "scopes": ["customers:write", "metrics:read"]}
    )
    assert response.status_code == 200
    raw_key = response.context["raw_key"]
    assert raw_key in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    api_key = ApiKey.objects.get(partner=partner_a, name="CRM")
    assert api_key.scopes == ["customers:write", "metrics:read"]
    assert api_key.created_by == owner
    # the list shows the prefix, never the key
    listing = client.get(f"{PORTAL}api-keys/").content.decode()
    assert api_key.prefix in listing
    assert raw_key not in listing


def test_key_form_without_scopes_is_400_and_creates_nothing(client, world, owner, partner_a):
    client.force_login(owner)
    before = ApiKey.objects.count()
    response = client.post(f"{PORTAL}api-keys/new/", {"name": "CRM"})
    assert response.status_code == 400
    assert ApiKey.objects.count() == before


def test_owner_revokes_a_key(client, world, owner):
    client.force_login(owner)
    response = client.post(f"{PORTAL}api-keys/{world['api_key'].pk}/revoke/")
    assert response.status_code == 302
    world["api_key"].refresh_from_db()
    assert world["api_key"].revoked_at is not None


def test_analyst_sees_keys_without_manage_controls(client, world, analyst):
    client.force_login(analyst)
    html = client.get(f"{PORTAL}api-keys/").content.decode()
    assert world["api_key"].prefix in html
    assert 'data-testid="api-key-form"' not in html
    assert "revoke-" not in html


def test_csv_upload_upserts_customers(client, world, owner, partner_a):
    client.force_login(owner)
    text = (
        "external_id,interests,country,language,consent\n"
        "n-1,finance,ES,es,true\n"
        "n-2,,JP,ja,yes\n"
        "a-1,finance,CN,zh-hans,1\n"
    )
    response = client.post(f"{PORTAL}customers/upload/", {"file": csv_file(text)}, follow=True)
    assert response.status_code == 200
    assert "Customers uploaded: 2 new, 1 updated, 0 unchanged." in response.content.decode()
    assert PartnerCustomer.objects.filter(partner=partner_a).count() == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("external_id,consent\nn-1,false\n", "Row 2: A customer can be pushed only with consent: true."),
        ("external_id,consent\nn-1,true\njane@example.com,true\n", "Row 3: external_id looks like an e-mail"),
        ("name,email\nJane,jane@example.com\n", "Missing columns: external_id, consent."),
        ("", "The submitted file is empty."),
        ("external_id,consent\n", "The file has no customers."),
    ],
)
def test_bad_csv_is_400_with_row_errors_and_stores_nothing(client, world, owner, partner_a, text, message):
    client.force_login(owner)
    before = state_of(partner_a)
    response = client.post(f"{PORTAL}customers/upload/", {"file": csv_file(text)})
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert state_of(partner_a) == before


def test_binary_upload_is_400(client, world, owner):
    client.force_login(owner)
    upload = SimpleUploadedFile("x.csv", b"\xff\xfe\x00\x81garbage", content_type="text/csv")
    response = client.post(f"{PORTAL}customers/upload/", {"file": upload})
    assert response.status_code == 400


def test_unknown_customer_hash_is_404(client, world, owner):
    client.force_login(owner)
    assert client.get(f"{PORTAL}customers/{'0' * 64}/").status_code == 404


@pytest.mark.parametrize("size", [5, 30])
def test_customer_list_costs_a_fixed_number_of_queries(
    client, owner, partner_a, django_assert_num_queries, size
):
    partner_customers_upsert(
        partner=partner_a, customers=[{"external_id": f"c{i}", "consent": True} for i in range(size)]
    )
    client.force_login(owner)
    # session, user, membership with partner, the header's portal link check, count, page
    with django_assert_num_queries(7):  # +1: the header's cart count (base.html)
        response = client.get(f"{PORTAL}customers/")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(size, 25)


@pytest.mark.parametrize("size", [5, 30])
def test_linked_learner_list_costs_a_fixed_number_of_queries(
    client, owner, partner_a, consent_text, django_assert_num_queries, size
):
    for _i in range(size):
        consent = PartnerConsentFactory(partner=partner_a, consent_text=consent_text)
        LearnerProfileFactory(user=consent.user, country="ES")
    client.force_login(owner)
    with django_assert_num_queries(7):  # +1: the header's cart count (base.html)
        response = client.get(f"{PORTAL}learners/")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(size, 25)
