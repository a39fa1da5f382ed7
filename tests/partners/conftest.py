import pytest
from rest_framework.authtoken.models import Token

from partners.models import ApiKey, PartnerMember
from partners.services import api_key_issue
from tests.factories import UserFactory
from tests.partners.factories import ConsentTextFactory, PartnerFactory, PartnerMemberFactory

ALL_SCOPES = list(ApiKey.Scope.values)


@pytest.fixture
def partner_a(db):
    return PartnerFactory(slug="bank-a")


@pytest.fixture
def partner_b(db):
    return PartnerFactory(slug="home-b")


@pytest.fixture
def owner(partner_a):
    return PartnerMemberFactory(partner=partner_a, user=UserFactory(username="owner-a")).user


@pytest.fixture
def analyst(partner_a):
    return PartnerMemberFactory(
        partner=partner_a, user=UserFactory(username="analyst-a"), role=PartnerMember.Role.ANALYST
    ).user


@pytest.fixture
def other_owner(partner_b):
    return PartnerMemberFactory(partner=partner_b, user=UserFactory(username="owner-b")).user


@pytest.fixture
def learner(db):
    return UserFactory(username="learner")


@pytest.fixture
def staff(db):
    return UserFactory(username="staff", is_staff=True, is_superuser=True)


@pytest.fixture
def consent_text(db):
    return ConsentTextFactory(version=1)


@pytest.fixture
def issue_key():
    def issue(partner, scopes=None, name="test"):
        return api_key_issue(partner=partner, name=name, scopes=scopes or ALL_SCOPES, created_by=None)

    return issue


@pytest.fixture
def key_a(partner_a, issue_key):
    return issue_key(partner_a)[1]


@pytest.fixture
def key_b(partner_b, issue_key):
    return issue_key(partner_b)[1]


@pytest.fixture
def learner_token(learner):
    return Token.objects.create(user=learner).key


@pytest.fixture
def staff_token(staff):
    return Token.objects.create(user=staff).key
