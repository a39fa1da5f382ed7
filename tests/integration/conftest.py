"""Commerce wired to campaigns: a running campaign of two partners, one course in it."""

from decimal import Decimal

import pytest

from campaigns.models import CampaignPartner, DiscountCode
from tests.campaigns.factories import CampaignFactory, DiscountCodeFactory, PartnerFactory
from tests.factories import CourseFactory, InstructorFactory, UserFactory

VISITOR = "5b7c0b8e-8d0e-4c3e-9f61-2f1f0b1f6a01"
PAY = {"provider": "sandbox", "token": "tok_success"}


@pytest.fixture(autouse=True)
def _celery_eager():
    """Receipts enqueued on commit run in the test process, without a broker."""
    from config.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture
def learner(db):
    return UserFactory(username="learner-int")


@pytest.fixture
def course(db):
    # 29.00 USD, instructor 30 %.
    return CourseFactory(
        slug="bank-finance-101", instructor=InstructorFactory(revenue_share=Decimal("0.3000"))
    )


@pytest.fixture
def campaign(course):
    """Running, 10 % off, led by the bank (10 %) with the museum as co-partner (5 %)."""
    bank = PartnerFactory(slug="bank")
    museum = PartnerFactory(slug="museum")
    campaign = CampaignFactory(partner=bank, slug="bank-spring", courses=[course])
    CampaignPartner.objects.create(campaign=campaign, partner=museum, revenue_share=Decimal("0.0500"))
    return campaign


@pytest.fixture
def code(campaign) -> DiscountCode:
    return DiscountCodeFactory(campaign=campaign, code="BANK10", max_redemptions=100, per_customer_limit=1)
