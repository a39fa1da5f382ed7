"""Wishlist: a learner saves courses for later, through the service, the API and the
course page; saving twice (or from two tabs at once) leaves one row."""

import threading

import pytest
from django.db import close_old_connections
from django.urls import reverse
from django.utils import translation

from courses.exceptions import CourseNotFound
from courses.models import WishlistItem
from courses.services import wishlist_add, wishlist_remove
from tests.factories import CourseFactory, UserFactory


@pytest.mark.django_db
def test_adding_twice_keeps_one_row_and_removing_says_whether_it_was_there():
    learner, course = UserFactory(), CourseFactory()

    assert wishlist_add(user=learner, course=course) is True
    assert wishlist_add(user=learner, course=course) is False
    assert WishlistItem.objects.filter(user=learner, course=course).count() == 1

    assert wishlist_remove(user=learner, course=course) is True
    assert wishlist_remove(user=learner, course=course) is False
    assert not WishlistItem.objects.exists()


@pytest.mark.django_db
def test_an_unpublished_course_cannot_be_saved():
    course = CourseFactory(is_published=False)

    with pytest.raises(CourseNotFound):
        wishlist_add(user=UserFactory(), course=course)
    assert not WishlistItem.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_of_one_course_leave_one_row_and_no_error():
    # given one learner and course, and eight requests saving it at the same moment
    learner, course = UserFactory(), CourseFactory()
    barrier, results, errors = threading.Barrier(8), [], []

    def save() -> None:
        try:
            barrier.wait()
            results.append(wishlist_add(user=learner, course=course))
        except Exception as exc:  # the test reports every failure, not the first
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=save) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then exactly one of them created the row
    assert errors == []
    assert sorted(results) == [False] * 7 + [True]
    assert WishlistItem.objects.filter(user=learner, course=course).count() == 1


# --- API -------------------------------------------------------------------------------


def _item_url(course) -> str:
    return reverse("api:my-wishlist-item", kwargs={"slug": course.slug})


@pytest.mark.django_db
def test_api_put_is_idempotent_and_the_list_is_latest_first_with_prices(api_client):
    learner = UserFactory()
    first, second = CourseFactory(), CourseFactory()
    api_client.force_authenticate(learner)

    created = api_client.put(_item_url(first))
    again = api_client.put(_item_url(first))
    api_client.put(_item_url(second))
    listed = api_client.get(reverse("api:my-wishlist"), {"currency": "USD"}).json()

    assert (created.status_code, created.json()) == (201, {"course": first.slug, "saved": True})
    assert again.status_code == 200
    assert [row["slug"] for row in listed["results"]] == [second.slug, first.slug]
    assert listed["results"][0]["price"] == {"amount": "29.00", "currency": "USD"}
    assert listed["results"][0]["saved_at"]


@pytest.mark.django_db
def test_api_delete_takes_the_course_off(api_client):
    learner, course = UserFactory(), CourseFactory()
    wishlist_add(user=learner, course=course)
    api_client.force_authenticate(learner)

    response = api_client.delete(_item_url(course))

    assert (response.status_code, response.json()["saved"]) == (200, False)
    assert api_client.get(reverse("api:my-wishlist")).json()["results"] == []


@pytest.mark.django_db
def test_api_refuses_visitors_and_unknown_courses_without_writing(api_client):
    course = CourseFactory()

    anonymous = api_client.put(_item_url(course))
    api_client.force_authenticate(UserFactory())
    unknown = api_client.put(reverse("api:my-wishlist-item", kwargs={"slug": "no-such-course"}))
    hidden = api_client.put(_item_url(CourseFactory(is_published=False)))

    assert anonymous.status_code in (401, 403)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "course_not_found")
    assert (hidden.status_code, hidden.json()["code"]) == (404, "course_not_found")
    assert not WishlistItem.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("size", [2, 12])
def test_api_wishlist_costs_a_fixed_number_of_queries(api_client, django_assert_num_queries, size):
    learner = UserFactory()
    for course in CourseFactory.create_batch(size):
        wishlist_add(user=learner, course=course)
    api_client.force_authenticate(learner)

    # count, page (with prices, category, instructor), tags
    with django_assert_num_queries(3):
        response = api_client.get(reverse("api:my-wishlist"), {"page_size": 50})
    assert len(response.json()["results"]) == size


# --- Pages -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_course_page_button_saves_and_unsaves(client):
    learner, course = UserFactory(), CourseFactory()
    client.force_login(learner)
    page_url = reverse("courses:detail", kwargs={"slug": course.slug})
    toggle_url = reverse("courses:wishlist_toggle", kwargs={"slug": course.slug})

    before = client.get(page_url).content.decode()
    saved = client.post(toggle_url, {"saved": "1"})
    after = client.get(page_url).content.decode()
    client.post(toggle_url, {"saved": "0"})

    assert 'aria-pressed="false"' in before
    assert saved.status_code == 302
    assert 'aria-pressed="true"' in after
    assert not WishlistItem.objects.exists()


@pytest.mark.django_db
def test_a_double_submit_ends_in_the_state_the_learner_asked_for(client):
    learner, course = UserFactory(), CourseFactory()
    client.force_login(learner)
    toggle_url = reverse("courses:wishlist_toggle", kwargs={"slug": course.slug})

    client.post(toggle_url, {"saved": "1"})
    client.post(toggle_url, {"saved": "1"})

    assert WishlistItem.objects.filter(user=learner, course=course).count() == 1


@pytest.mark.django_db
def test_visitors_see_no_wishlist_button(client):
    course = CourseFactory()

    html = client.get(reverse("courses:detail", kwargs={"slug": course.slug})).content.decode()

    assert 'data-testid="wishlist-button"' not in html


@pytest.mark.django_db
def test_the_wishlist_page_lists_saved_courses_in_the_page_language(client):
    learner, course = UserFactory(), CourseFactory(title_zh_hans="茶道入门")
    wishlist_add(user=learner, course=course)
    client.force_login(learner)

    with translation.override("zh-hans"):
        response = client.get(reverse("courses:wishlist"))

    assert response.status_code == 200
    assert "茶道入门" in response.content.decode()
