"""Hostile input on every door: NUL bytes, overflowing numbers, huge strings, bad encodings and
wrong types, on every URL, every API operation with a body and the web forms. Nothing answers
500, nothing is written, and the APIs answer 400 with ``{"code", "detail"}`` in the caller's
language."""

import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from campaigns.models import Campaign
from commerce.services import cart_add
from courses.models import Enrollment, Quiz
from partners.models import ApiKey, PartnerMember
from partners.services import api_key_issue
from tests.campaigns.factories import CampaignFactory
from tests.factories import CourseFactory, LearnerProfileFactory, LessonFactory, UserFactory
from tests.partners.factories import PartnerFactory, PartnerMemberFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

# Strings a form field or a query parameter may receive.
HOSTILE_TEXT = {
    "nul": "ab\x00cd",
    "huge_integer": "9" * 5000,
    "overflowing_decimal": "99999999999999999999.99",
    "exponent": "1e15",
    "huge_exponent": "-1e308",
    "nan": "NaN",
    "infinity": "Infinity",
    "huge_string": "x" * 100_000,
    "noncharacters": "\ufffe\uffff\u202e\U0010ffff",
    "sql": "' OR 1=1; --",
}
# Values a JSON field may receive, wrong types included.
HOSTILE_JSON = {
    **{key: value for key, value in HOSTILE_TEXT.items() if key != "huge_string"},
    "huge_string": "x" * 20_000,
    "nul_in_list": ["ab\x00cd"],
    "nul_in_object": {"a\x00": "b"},
    "huge_int": 10**40,
    "negative": -1,
    "huge_float": 1.5e308,
    "list": [],
    "object": {},
    "true": True,
    "null": None,
}
# Tables that change on any request by design are not "written" by the input: sessions, and
# the unconfirmed authenticator device the MFA set-up page creates when it is opened;
# django-axes records every failed sign-in on purpose (that is how lockouts count).
UNCOUNTED = {
    "django_session",
    "otp_totp_totpdevice",
    "otp_static_staticdevice",
    "otp_static_statictoken",
    "axes_accessattempt",
    "axes_accessfailurelog",
    "axes_accesslog",
}

NUL_DETAIL = {
    "en": "The request contains a NUL character, which is not allowed.",
    "ja": "リクエストに NUL 文字が含まれています。NUL 文字は使えません。",
    "zh-hans": "请求中包含 NUL 字符，这是不允许的。",
    "es": "La solicitud contiene un carácter NUL, que no está permitido.",
}


def _row_counts() -> tuple:
    tables = sorted(set(connection.introspection.table_names()) - UNCOUNTED)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f'(SELECT count(*) FROM "{t}")' for t in tables))
        return tuple(zip(tables, cursor.fetchone(), strict=True))


@pytest.fixture
def world():
    course = CourseFactory(slug="money-basics")
    LessonFactory(section__course=course)
    learner = UserFactory(username="hostile-learner")
    # Enrolled in another course, with a quiz to answer: endpoints under a lesson or quiz id
    # then reach the body (an unknown id or a stranger is refused before the body is read).
    enrolled = CourseFactory(slug="enrolled-course")
    lesson = LessonFactory(section__course=enrolled)
    Enrollment.objects.create(user=learner, course=enrolled)
    quiz = Quiz.objects.create(course=enrolled, title="Money check", pass_mark=60)
    partner = PartnerFactory(slug="bank")
    owner = PartnerMemberFactory(partner=partner, role=PartnerMember.Role.OWNER).user
    # Profiles exist already: reading /me/ creates a missing one, which is not the input's doing.
    for user in (learner, owner):
        LearnerProfileFactory(user=user)
    draft = CampaignFactory(partner=partner, status=Campaign.Status.DRAFT, courses=[course])
    _key, raw_key = api_key_issue(
        partner=partner, name="hostile", scopes=list(ApiKey.Scope.values), created_by=None
    )
    return {
        "course": course,
        "learner": learner,
        "token": Token.objects.create(user=learner).key,
        "api_key": raw_key,
        "owner": owner,
        "draft": draft,
        "lesson": lesson,
        "quiz": quiz,
    }


# --- NUL bytes in every URL ------------------------------------------------------------------


def _routes(resolver=None, prefix: str = "") -> list[str]:
    """Every URL of the project, with a NUL byte in each string segment and 1 for numbers."""
    routes = []
    for entry in (resolver or get_resolver()).url_patterns:
        pattern = str(entry.pattern)
        if hasattr(entry.pattern, "language_prefix"):
            pattern = "en/"
        if isinstance(entry, URLResolver):
            routes += _routes(entry, prefix + pattern)
        elif isinstance(entry, URLPattern):
            routes.append(prefix + pattern)
    return sorted(set(routes))


def _with_nul(route: str) -> str:
    import re

    route = route.lstrip("^").rstrip("$").replace("\\Z", "")
    route = re.sub(r"<int:[^>]+>", "1", route)
    route = re.sub(r"<[a-z]+:[^>]+>|<[^>]+>|\(\?P<[^>]+>[^)]+\)", "a%00b", route)
    return "/" + route


ROUTES = [_with_nul(route) for route in _routes() if "admin" not in route or "analytics" in route]


def test_the_route_list_covers_the_site():
    assert len(ROUTES) > 60
    assert "/t/a%00b" in ROUTES
    assert "/en/partner/customers/a%00b/" in ROUTES


@pytest.mark.parametrize("path", ROUTES)
def test_nul_anywhere_in_a_url_is_a_400_and_writes_nothing(world, path):
    client = Client(raise_request_exception=False)
    client.force_login(world["owner"])
    before = _row_counts()

    in_path = client.get(path)
    in_query = client.get(path.replace("%00", ""), {"q": "x\x00y", "lang": "en"})
    in_form = client.post(path.replace("%00", ""), {"name": "x\x00y"})

    if "%00" in path:
        assert in_path.status_code == 400, path
    assert in_query.status_code == 400, path
    if path.startswith("/api/"):
        # The APIs read JSON only: a form body is refused by the parser (415) or before it.
        assert 400 <= in_form.status_code < 500, (path, in_form.status_code)
    else:
        assert in_form.status_code == 400, (path, in_form.status_code)
    assert _row_counts() == before


@pytest.mark.parametrize("lang", ["en", "ja", "zh-hans", "es"])
def test_the_nul_answer_is_in_the_callers_language(lang):
    client = Client(raise_request_exception=False)

    page = client.get(f"/{lang}/courses/a%00b/")
    api = client.get("/api/v1/courses/a%00b/", HTTP_ACCEPT_LANGUAGE=lang)

    assert page.status_code == 400
    assert NUL_DETAIL[lang] in page.content.decode()
    assert f'<html lang="{lang}"' in page.content.decode()
    assert api.status_code == 400
    assert api.json() == {"code": "invalid", "detail": NUL_DETAIL[lang]}


# --- API operations with a body ------------------------------------------------------------


def _operations() -> list[tuple[str, str, list[str]]]:
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if not body or "webhooks" in path:
                continue
            ref = body["schema"].get("$ref", "")
            component = schema["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
            operations.append((method.upper(), path, sorted(component.get("properties", {}))))
    return operations


def _client_for(world, path: str) -> APIClient:
    client = APIClient(raise_request_exception=False)
    if path.startswith("/api/partner/"):
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {world['api_key']}")
    else:
        client.credentials(HTTP_AUTHORIZATION=f"Token {world['token']}")
    return client


def _concrete(path: str, world) -> str:
    # A quiz is answered in the course it belongs to, where the learner is enrolled.
    slug = world["quiz"].course.slug if "{quiz_id}" in path else world["course"].slug
    if path.startswith("/api/v1/campaigns/{slug}/"):
        # A campaign's storefront operations (the plan grant) name a campaign, not a course.
        slug = world["draft"].slug
    return (
        path.replace("{id}", str(world["draft"].pk))
        .replace("{slug}", slug)
        .replace("{external_id}", "h-1")
        .replace("{number}", "00000000-0000-0000-0000-000000000000")
        .replace("{lesson_id}", str(world["lesson"].pk))
        .replace("{quiz_id}", str(world["quiz"].pk))
    )


def test_every_api_operation_with_a_body_is_tried(world):
    operations = {(method, path) for method, path, _fields in _operations()}

    assert {
        ("POST", "/api/v1/auth/token/"),
        ("POST", "/api/v1/checkout/"),
        ("POST", "/api/v1/me/progress/"),
        ("POST", "/api/partner/v1/campaigns/"),
        ("PATCH", "/api/partner/v1/campaigns/{id}/"),
        ("POST", "/api/partner/v1/campaigns/{id}/codes/"),
        ("POST", "/api/partner/v1/customers/"),
    } <= operations


# Bodies made only of free text (a question, an answer): "NaN" or "' OR 1=1; --" is text a
# person may write, so such a body is valid input, not hostile, and is not sent here (the
# enrolled learner would post it). Numbers, lists, NUL, noncharacters and huge strings in
# those fields are still tried and must be a 400.
FREE_TEXT_OPERATIONS = {
    ("POST", "/api/v1/lessons/{id}/questions/"),
    ("POST", "/api/v1/questions/{id}/answers/"),
    # The customer reference a partner gave its customer: any printable text the partner chose.
    ("POST", "/api/v1/campaigns/{slug}/plan-grant/"),
}
PLAIN_TEXT_VALUES = {
    "sql",
    "nan",
    "infinity",
    "exponent",
    "huge_exponent",
    "overflowing_decimal",
    "huge_integer",
}


@pytest.mark.parametrize("value_name", sorted(HOSTILE_JSON))
def test_hostile_values_in_every_field_of_every_api_body_are_a_400(world, value_name):
    value = HOSTILE_JSON[value_name]
    failures = []
    before = _row_counts()
    for method, path, fields in _operations():
        client = _client_for(world, path)
        url = _concrete(path, world)
        bodies = [{field: value for field in fields}]
        if value != {} or method != "PATCH":
            # An empty object is a valid PATCH that changes nothing.
            bodies.append(value)
        for body in bodies:
            if (method, path) in FREE_TEXT_OPERATIONS and value_name in PLAIN_TEXT_VALUES and body != value:
                continue
            response = client.generic(
                method, url, json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE="es"
            )
            answer = response.json() if response["Content-Type"].startswith("application/json") else {}
            if (
                response.status_code != 400
                or set(answer) - {"code", "detail", "errors"}
                or not answer.get("detail")
            ):
                failures.append((method, path, type(body).__name__, response.status_code, str(answer)[:200]))
    assert failures == [], "\n".join(map(str, failures))
    assert _row_counts() == before


BAD_BODIES = {
    "not_utf8": (b'{"username": "\xff\xfe\x81"}', "application/json"),
    "truncated": (b'{"items": [', "application/json"),
    "deeply_nested": (b"[" * 100_000 + b"]" * 100_000, "application/json"),
    "nul_escape": (b'{"username": "a\\u0000b", "password": "x"}', "application/json"),
    "lone_surrogate": (b'{"username": "\\ud800", "password": "x"}', "application/json"),
    "form_instead_of_json": (b"items=1&currency=USD", "application/x-www-form-urlencoded"),
    "multipart": (
        b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\nb\r\n--x--\r\n",
        "multipart/form-data; boundary=x",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_BODIES))
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/checkout/",
        "/api/v1/me/progress/",
        "/api/partner/v1/customers/",
        "/api/v1/payments/webhooks/sandbox/",
    ],
)
def test_bad_encodings_and_media_types_are_refused_with_the_error_shape(world, name, url):
    body, content_type = BAD_BODIES[name]
    client = _client_for(world, url)
    before = _row_counts()

    response = client.generic("POST", url, body, content_type=content_type)

    assert response.status_code in (400, 415), response.content[:300]
    assert {"code", "detail"} <= set(response.json())
    assert _row_counts() == before


# --- Web forms ------------------------------------------------------------------------------


def _form_cases(world) -> list[tuple]:
    course = world["course"]
    campaign_form = {
        "name_en": "Home learning week",
        "courses": [course.pk],
        "discount_type": "fixed",
        "discount_percent": "10",
        "fixed_USD": "5",
        "budget_amount": "100",
        "budget_currency": "USD",
        "attribution_window_days": "30",
        "holdout_percent": "10",
        "revenue_share_percent": "10",
        "target_countries": "es, cn",
        "target_languages": ["en"],
        "starts_at": "2030-01-01T10:00",
        "ends_at": "2030-02-01T10:00",
        "variant_1_name": "A",
        "variant_2_name": "B",
        "variant_2_discount": "20",
        "variant_2_weight": "5",
    }
    draft = world["draft"].pk
    return [
        ("owner", "/en/partner/campaigns/new/", campaign_form),
        ("owner", f"/en/partner/campaigns/{draft}/edit/", campaign_form),
        (
            "owner",
            f"/en/partner/campaigns/{draft}/codes/",
            {"count": "5", "max_redemptions": "1", "per_customer_limit": "1"},
        ),
        ("owner", f"/en/partner/campaigns/{draft}/links/", {"channel": "email", "language": "en"}),
        # Shows the new key on a 200 page instead of redirecting.
        ("owner", "/en/partner/api-keys/new/", {"name": "ci", "scopes": ["campaigns:write"]}, 200),
        (
            "learner",
            "/en/accounts/profile/",
            {"first_name": "A", "preferred_language": "en", "country": "CN"},
        ),
        ("learner", "/en/cart/add/", {"course": course.slug}),
        ("learner", "/en/cart/code/", {"code": "CODE1", "currency": "USD"}),
        ("learner", "/en/checkout/", {"currency": "USD", "token": "tok_success", "idempotency_key": "k1"}),
        (
            None,
            "/en/accounts/signup/",
            {"username": "n1", "email": "n1@example.com", "password1": "Zq-9x!pQ2", "password2": "Zq-9x!pQ2"},
        ),
        (None, "/en/accounts/login/", {"username": "hostile-learner", "password": "x"}),
        (None, "/en/accounts/password-reset/", {"email": "n1@example.com"}),
    ]


# One value of each kind: every form field costs a request per value.
FORM_VALUES = ["nul", "huge_integer", "overflowing_decimal", "huge_exponent", "noncharacters", "huge_string"]
# Where a refused form's page says why: field and form errors, alert messages, the 400 page.
ERROR_TEXT = re.compile(
    r'<(?:p|li|div|ul)[^>]*class="[^"]*(?:field-error|errorlist|message--error|lead)[^"]*"[^>]*>(.*?)</(?:p|li|div)>',
    re.S,
)
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("value_name", FORM_VALUES)
def test_hostile_values_in_every_web_form_field_are_a_400_in_the_pages_language_and_write_nothing(
    world, value_name
):
    value = HOSTILE_TEXT[value_name]
    # A course in the cart: the checkout page shows its form (and the form's errors) only then.
    cart_add(user=world["learner"], course_slug=world["course"].slug)
    failures = []
    for who, url, data, *success in _form_cases(world):
        # The Chinese page: a refusal must say why in Chinese.
        url = url.replace("/en/", "/zh-hans/", 1)
        client = Client(raise_request_exception=False)
        if who:
            client.force_login(world[who])
        before = _row_counts()
        for field in data:
            response = client.post(url, {**data, field: value})
            after = _row_counts()
            written = [(t, a, b) for (t, a), (_t, b) in zip(before, after, strict=True) if a != b]
            before = after
            # A redirect means the form took the value (``' OR 1=1`` is a fine campaign name);
            # anything else is a refusal: a 400 (django-axes's lockout stays a 429), nothing
            # written, and the reason in the page's language.
            if response.status_code in (success or [301, 302, 303]):
                continue
            errors = [text for text in ERROR_TEXT.findall(response.content.decode()) if CHINESE.search(text)]
            locked_out = response.status_code == 429 and url.endswith("/accounts/login/")
            if written or not ((response.status_code == 400 and errors) or locked_out):
                failures.append((url, field, response.status_code, written, bool(errors)))
    assert failures == [], "\n".join(map(str, failures))
