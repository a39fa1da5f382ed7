from decimal import Decimal

import pytest

from commerce.services import order_checkout, order_refund
from referrals import services
from tests.factories import CourseFactory, InstructorFactory, UserFactory

BUYER_DEVICE = "11111111-1111-4111-8111-111111111111"
REFERRER_DEVICE = "22222222-2222-4222-8222-222222222222"


@pytest.fixture(autouse=True)
def _celery_eager():
    """Tasks enqueued on commit run in the test process, without a broker."""
    from config.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture(autouse=True)
def _no_default_rates(settings):
    # Tests name every rate they rely on; the burst rule is tested on its own.
    settings.REFERRAL_DEFAULT_RATE = "0"
    settings.REFERRAL_DEFAULT_INDIRECT_RATE = "0"
    settings.REFERRAL_BURST_LIMIT = 1000


@pytest.fixture
def course(db):
    from referrals.models import CommissionRate

    course = CourseFactory(
        slug="tea-ceremony",
        instructor=InstructorFactory(revenue_share=Decimal("0.5000")),
        prices={"CNY": Decimal("199.00"), "USD": Decimal("29.99"), "JPY": Decimal("4200")},
    )
    CommissionRate.objects.create(
        course=course, direct_rate=Decimal("0.1000"), indirect_rate=Decimal("0.0300")
    )
    return course


@pytest.fixture
def make_referrer(db):
    def _make(username: str, *, parent=None, visitor_id: str = ""):
        user = UserFactory(username=username)
        referrer = services.referrer_join(user=user, visitor_id=visitor_id or None)
        if parent is not None:
            referrer.parent = parent
            referrer.save(update_fields=["parent"])
        return referrer

    return _make


@pytest.fixture
def visit():
    def _visit(
        referrer, *, course=None, visitor_id: str = BUYER_DEVICE, user=None, address: str = "203.0.113.7"
    ):
        services.visit_record(
            code=referrer.code,
            course_slug=course.slug if course else None,
            visitor_id=visitor_id,
            user=user,
            address=address,
        )

    return _visit


@pytest.fixture
def buy():
    def _buy(user, *courses, currency="CNY", visitor_id="", token="tok_success"):
        return order_checkout(
            user=user,
            items=[{"course": c.slug, "live_session": None} for c in courses],
            currency=currency,
            payment={"provider": "sandbox", "token": token},
            visitor_id=visitor_id,
        ).order

    return _buy


@pytest.fixture
def refund():
    def _refund(order, amount=None):
        return order_refund(order=order, amount=amount, reason="changed mind", staff_user=None)

    return _refund
