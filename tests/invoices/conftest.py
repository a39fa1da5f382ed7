import pytest

from commerce.services import order_checkout
from tests.factories import CourseFactory, UserFactory

# A unified social credit code with a right check character (GB 32100-2015).
VALID_USCC = "91110000600037341L"


@pytest.fixture(autouse=True)
def _celery_eager():
    """Outbox deliveries asked for on commit run in the test process, without a broker."""
    from config.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture
def learner(db):
    return UserFactory(username="inv-learner", email="learner@example.com")


@pytest.fixture
def paid_order(learner):
    course = CourseFactory(
        slug="tea-101", title_en="Gongfu tea", title_ja="工夫茶", title_zh_hans="工夫茶", title_es="Té gongfu"
    )
    return order_checkout(
        user=learner,
        items=[{"course": course.slug}],
        currency="CNY",
        payment={"provider": "sandbox", "token": "tok_success"},
        idempotency_key=None,
    ).order


def pdf_upload(name: str = "fapiao.pdf", content: bytes = b"%PDF-1.4\n% a tiny invoice\n%%EOF\n"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")
