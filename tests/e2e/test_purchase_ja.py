"""Issue 3 in a real browser, in Japanese: sign in, add a course to the cart, pay with the
sandbox, find it in My learning, complete a lesson and leave a review."""

from decimal import Decimal

import pytest

from commerce.models import LedgerEntry, Order
from courses.models import Enrollment, LessonProgress, Review
from tests.factories import (
    CourseFactory,
    InstructorFactory,
    LearnerProfileFactory,
    LessonFactory,
    SectionFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/zq-e2e-purchase-ja"


@pytest.fixture
def calligraphy():
    course = CourseFactory(
        slug="calligraphy",
        title_en="Chinese calligraphy for beginners",
        title_ja="はじめての書道",
        title_zh_hans="书法入门",
        instructor=InstructorFactory(name_en="Wang Xi", name_ja="王羲"),
        prices={"JPY": Decimal("4200"), "USD": Decimal("29.00")},
    )
    section = SectionFactory(course=course, title_en="Brush and ink", title_ja="筆と墨", position=0)
    for n in range(3):
        LessonFactory(
            section=section, title_en=f"Stroke {n + 1}", title_ja=f"第{n + 1}画", position=n, is_preview=False
        )
    return course


def test_learner_buys_learns_and_reviews_in_japanese(page, login, live_server, calligraphy):
    # given a learner who reads Japanese
    learner = UserFactory(username="hanako")
    LearnerProfileFactory(user=learner, preferred_language="ja")
    base = live_server.url

    # when she signs in and adds the course to her cart from the course page
    login(page, "hanako", "pass-1234", language="ja")
    page.goto(f"{base}/ja/courses/calligraphy/?currency=JPY")
    assert page.locator("h1.course-title").inner_text() == "はじめての書道"
    with page.expect_navigation():
        page.locator('[data-testid="buy-box"] form.buy-form button:not([name="buy_now"])').click()

    # then the cart shows it in yen
    assert page.url.startswith(f"{base}/ja/cart/")
    assert page.locator('[data-testid="cart-line"]').count() == 1
    assert page.locator('[data-testid="cart-total"]').inner_text().replace(" ", "") in ("¥4,200", "￥4,200")
    page.screenshot(path=f"{SHOTS}-1-cart.png", full_page=True)

    # when she goes to the checkout and pays with the sandbox card that pays
    with page.expect_navigation():
        page.locator('[data-testid="go-to-checkout"]').click()
    form = page.locator('[data-testid="checkout-form"]')
    form.locator('input[name="token"][value="tok_success"]').check()
    page.screenshot(path=f"{SHOTS}-2-checkout.png", full_page=True)
    with page.expect_navigation():
        form.locator('[data-testid="pay"]').click()

    # then the order is paid
    status = page.locator('[data-testid="order-status"]')
    assert status.get_attribute("data-status") == "paid"
    assert page.locator("html").get_attribute("lang") == "ja"
    page.screenshot(path=f"{SHOTS}-3-order.png", full_page=True)
    order = Order.objects.get(user=learner)
    assert (order.status, order.currency, order.total) == ("paid", "JPY", Decimal("4200"))
    assert sum(LedgerEntry.objects.filter(order=order).values_list("amount", flat=True)) == Decimal("4200")

    # when she opens My learning
    page.goto(f"{base}/ja/learn/")

    # then the course is there
    enrollment = page.locator('[data-testid="enrollment"][data-slug="calligraphy"]')
    assert enrollment.count() == 1
    assert "はじめての書道" in enrollment.inner_text()
    page.screenshot(path=f"{SHOTS}-4-my-learning.png", full_page=True)

    # when she starts learning and completes the first lesson
    with page.expect_navigation():
        enrollment.locator('[data-testid="resume"]').click()
    first_lesson = page.locator('[data-testid="lesson-page"]').get_attribute("data-lesson")
    assert page.locator("article h1").inner_text() == "第1画"
    with page.expect_navigation():
        page.locator('[data-testid="mark-complete"]').click()

    # then she moves on to the next lesson and the syllabus ticks the first one
    assert page.locator('[data-testid="lesson-page"]').get_attribute("data-lesson") != first_lesson
    done = page.locator(".learn-syllabus-lessons li.is-done")
    assert done.count() == 1
    assert "第1画" in done.inner_text()
    assert "33%" in page.locator(".learn-syllabus").inner_text()
    page.screenshot(path=f"{SHOTS}-5-lesson.png", full_page=True)
    assert LessonProgress.objects.filter(user=learner, completed=True).count() == 1

    # when she leaves a five-star review on the course page
    page.goto(f"{base}/ja/courses/calligraphy/#reviews")
    review_form = page.locator('[data-testid="review-form"]')
    review_form.locator('input[name="rating"][value="5"]').check()
    review_form.locator('textarea[name="text"]').fill("とても分かりやすい講座でした。")
    with page.expect_navigation():
        review_form.locator('[data-testid="review-submit"]').click()

    # then her review is shown and counted
    assert "とても分かりやすい講座でした。" in page.locator('[data-testid="review-list"]').inner_text()
    assert page.locator('[data-testid="rating-average"]').inner_text() == "5.0"
    page.screenshot(path=f"{SHOTS}-6-review.png", full_page=True)
    review = Review.objects.get(user=learner)
    assert (review.rating, review.language) == (5, "ja")
    assert Enrollment.objects.filter(user=learner, course=calligraphy, is_active=True).count() == 1
