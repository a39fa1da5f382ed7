"""What each market says: the sentiment model, the per-market figures, their suppression
for partners, and negative-spike alerts."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from commerce.models import Order
from courses.models import Enrollment, Review
from culture.models import ReviewSentiment, SentimentAlert
from culture.selectors import market_rows
from culture.services import sentiment_spikes_detect, sentiment_train_and_score
from demo.content.reviews import review_texts
from notifications.models import Kind, Notification
from portal.markets import partner_market_rows
from tests.analytics.factories import paid_order
from tests.campaigns.factories import CampaignFactory, PartnerFactory, PartnerMemberFactory
from tests.factories import CourseFactory, LearnerProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def _learner(language="en", country="US"):
    return LearnerProfileFactory(preferred_language=language, country=country).user


def _review(course, *, rating, text="", language="en", country="US", days_ago=0, user=None):
    user = user or _learner(language, country)
    review = Review.objects.create(user=user, course=course, rating=rating, text=text, language=language)
    if days_ago:
        Review.objects.filter(pk=review.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return review


def _sentiment(review, label):
    return ReviewSentiment.objects.create(
        review=review,
        label=label,
        positive_probability=1.0 if label == "positive" else 0.0,
        scored_at=timezone.now(),
    )


def test_the_model_beats_the_majority_baseline_on_unseen_sentences():
    # given star-labelled reviews in five languages, positive three times as often
    courses = [CourseFactory() for _ in range(40)]
    rows, users = [], {}
    for language in ("en", "zh-hans", "ja", "es", "ar"):
        for rating, repeats in ((5, 3), (4, 3), (3, 1), (2, 1), (1, 1)):
            for text in review_texts(language, rating):
                if not text:
                    continue
                for n in range(repeats):
                    key = (language, n)
                    users.setdefault(key, UserFactory())
                    rows.append(
                        Review(
                            user=users[key],
                            course=courses[len([r for r in rows if r.user_id == users[key].pk]) % 40],
                            rating=rating,
                            text=text,
                            language=language,
                        )
                    )
    Review.objects.bulk_create(rows)

    # when the nightly training runs
    run = sentiment_train_and_score(seed=42)

    # then on held-out sentences it beats always answering "positive": far better at
    # telling the two apart (macro-F1), never less often right (accuracy)
    metrics = run.metrics
    assert metrics["overall"]["macro_f1"] >= metrics["baseline"]["macro_f1"] + 0.2
    assert metrics["overall"]["accuracy"] >= metrics["baseline"]["accuracy"]
    assert metrics["held_out_sentences"] >= 10
    assert set(metrics["languages"]) <= {"en", "zh-hans", "ja", "es", "ar"}
    # and every review with text has its reading, 3-star ones included
    assert ReviewSentiment.objects.count() == Review.objects.exclude(text="").count()
    assert run.n_train + run.n_test == Review.objects.exclude(text="").exclude(rating=3).count()


def test_too_few_reviews_train_nothing_and_score_nothing():
    _review(CourseFactory(), rating=5, text="Great")
    run = sentiment_train_and_score()
    assert run.metrics["error"] == "not enough labelled reviews"
    assert ReviewSentiment.objects.count() == 0


def test_the_command_prints_the_held_out_metrics():
    out = StringIO()
    call_command("train_sentiment", "--no-alerts", stdout=out)
    assert '"n_test": 0' in out.getvalue()


@pytest.fixture
def two_markets():
    course, other = CourseFactory(), CourseFactory()
    es_buyers = [_learner("es", "ES") for _ in range(3)]
    _sentiment(
        _review(course, rating=5, text="Genial", language="es", country="ES", user=es_buyers[0]), "positive"
    )
    _sentiment(
        _review(course, rating=1, text="Malo", language="es", country="ES", user=es_buyers[1]), "negative"
    )
    _review(course, rating=4, language="es", country="ES", user=es_buyers[2])  # no text, not scored
    _sentiment(_review(other, rating=4, text="Good", language="en", country="US"), "positive")
    Enrollment.objects.create(user=es_buyers[0], course=course, completed_at=timezone.now())
    Enrollment.objects.create(user=es_buyers[1], course=course)
    Enrollment.objects.create(user=es_buyers[1], course=other, is_active=False)  # not counted
    now = timezone.now()
    first, _ = paid_order(es_buyers[0], paid=now, currency="EUR", amount=Decimal("10.00"), courses=[course])
    paid_order(es_buyers[1], paid=now, currency="EUR", amount=Decimal("10.00"), courses=[course])
    Order.objects.filter(pk=first.pk).update(language="es", amount_refunded=Decimal("10.00"))
    Order.objects.exclude(pk=first.pk).update(language="es")
    return course, other


def test_market_figures_are_exact(two_markets, django_assert_num_queries):
    with django_assert_num_queries(3):
        rows = market_rows()
    assert rows == [
        {
            "language": "es",
            "country": "ES",
            "reviews": 3,
            "average_rating": 3.33,
            "scored": 2,
            "positive": 1,
            "negative": 1,
            "positive_share": 0.5,
            "enrollments": 2,
            "completed": 1,
            "completion_rate": 0.5,
            "orders": 2,
            "refunded": 1,
            "refund_rate": 0.5,
        },
        {
            "language": "en",
            "country": "US",
            "reviews": 1,
            "average_rating": 4.0,
            "scored": 1,
            "positive": 1,
            "negative": 0,
            "positive_share": 1.0,
            "enrollments": 0,
            "completed": 0,
            "completion_rate": None,
            "orders": 0,
            "refunded": 0,
            "refund_rate": None,
        },
    ]
    # narrowed to one course, the other course's market is gone
    assert [(r["language"], r["country"]) for r in market_rows(course_ids=[two_markets[0].pk])] == [
        ("es", "ES")
    ]


def test_partners_see_no_small_group(two_markets, settings):
    settings.PARTNER_MIN_GROUP_SIZE = 3
    rows = {
        (r["language"], r["country"]): r for r in partner_market_rows(course_ids=[c.pk for c in two_markets])
    }
    spain, us = rows[("es", "ES")], rows[("en", "US")]
    # 3 reviewers in Spain are enough; 2 learners and 2 orders are not
    assert (spain["reviews"], spain["positive_share"], spain["reviews_hidden"]) == (3, 0.5, False)
    assert (spain["completion_rate"], spain["enrollments_hidden"]) == (None, True)
    assert (spain["refund_rate"], spain["orders_hidden"]) == (None, True)
    # one reviewer in the US is hidden with every figure about them
    assert (us["reviews"], us["average_rating"], us["positive_share"], us["reviews_hidden"]) == (
        None,
        None,
        None,
        True,
    )


def test_the_portal_markets_page_hides_small_groups_and_other_partners_campaigns(
    client, two_markets, settings
):
    settings.PARTNER_MIN_GROUP_SIZE = 3
    member = PartnerMemberFactory(partner=PartnerFactory(slug="bank"))
    campaign = CampaignFactory(partner=member.partner, courses=list(two_markets))
    other = CampaignFactory(partner=PartnerFactory(slug="home"), courses=list(two_markets))
    client.force_login(member.user)

    response = client.get(f"/en/partner/campaigns/{campaign.pk}/markets/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "fewer than 3" in html
    assert "50%" in html  # Spain's positive share
    assert client.get(f"/en/partner/campaigns/{other.pk}/markets/").status_code == 404


def test_the_staff_markets_page(client, two_markets):
    assert client.get("/admin/analytics/markets/").status_code == 302
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get("/admin/analytics/markets/")
    assert response.status_code == 200
    assert [m["reviews"] for m in response.context["markets"]] == [3, 1]


def _spiking_course(recent_negative: int):
    course = CourseFactory()
    for _ in range(10):
        _sentiment(_review(course, rating=5, text="Great", days_ago=30), "positive")
    for _ in range(recent_negative):
        _sentiment(_review(course, rating=1, text="Awful", days_ago=1), "negative")
    return course


def test_a_negative_spike_raises_one_alert_and_tells_staff_once():
    staff = [UserFactory(is_staff=True), UserFactory(is_staff=True)]
    UserFactory(is_staff=True, is_active=False)
    course = _spiking_course(recent_negative=5)
    calm = CourseFactory()
    for _ in range(6):
        _sentiment(_review(calm, rating=5, text="Great", days_ago=1), "positive")

    raised = sentiment_spikes_detect()
    again = sentiment_spikes_detect()
    tomorrow = sentiment_spikes_detect(today=timezone.localdate() + timedelta(days=1))

    assert [alert.course_id for alert in raised] == [course.pk]
    assert again == [] and tomorrow == []
    alert = SentimentAlert.objects.get()
    assert (alert.recent_reviews, alert.recent_negative, alert.recent_share, alert.baseline_share) == (
        5,
        5,
        1.0,
        0.0,
    )
    assert alert.notified_at is not None
    notified = Notification.objects.filter(kind=Kind.SENTIMENT_ALERT, key=f"sentiment:{alert.pk}")
    assert sorted(notified.values_list("user_id", flat=True)) == sorted(user.pk for user in staff)


def test_no_alert_under_the_minimum_count():
    _spiking_course(recent_negative=4)
    assert sentiment_spikes_detect() == []
    assert SentimentAlert.objects.count() == 0


def test_the_alert_is_visible_in_the_admin(client):
    _spiking_course(recent_negative=5)
    sentiment_spikes_detect()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get("/admin/culture/sentimentalert/")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
