"""The storefront in a real browser: search in Chinese, open a course, switch language."""

from datetime import timedelta

import pytest
from django.utils import timezone

from courses.models import Course
from tests.factories import (
    CategoryFactory,
    CourseFactory,
    InstructorFactory,
    LessonFactory,
    LiveSessionFactory,
    SectionFactory,
    TagFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOT = "/tmp/zq-course.png"


@pytest.fixture
def tea_course():
    top = CategoryFactory(
        slug="chinese-culture",
        name_en="Chinese culture",
        name_zh_hans="中国文化",
        name_ja="中国文化",
        name_es="Cultura china",
    )
    category = CategoryFactory(
        slug="tea", parent=top, name_en="Tea", name_zh_hans="茶", name_ja="お茶", name_es="Té"
    )
    instructor = InstructorFactory(
        name_en="Lin Mei",
        name_zh_hans="林梅",
        name_ja="林梅",
        name_es="Lin Mei",
        headline_en="Tea master from Hangzhou",
        headline_zh_hans="杭州茶艺师",
        bio_en="Lin Mei has taught tea for twenty years.",
        bio_zh_hans="林梅从事茶艺教学二十年。",
    )
    course = CourseFactory(
        slug="tea-ceremony",
        title_en="The Way of Tea",
        title_zh_hans="中国茶道入门",
        title_ja="中国茶の作法入門",
        title_es="El camino del té",
        subtitle_en="Brew, taste and serve Chinese tea at home",
        subtitle_zh_hans="在家冲泡、品鉴与奉茶",
        subtitle_ja="家庭で中国茶をいれて味わう",
        subtitle_es="Prepara, cata y sirve té chino en casa",
        description_zh_hans="从绿茶到普洱，一步一步学会六大茶类的冲泡方法。",
        description_en="From green tea to pu-erh: brew the six families of Chinese tea step by step.",
        category=category,
        instructor=instructor,
        format=Course.Format.LIVE,
        level=Course.Level.BEGINNER,
        language="zh-hans",
        duration_minutes=270,
        cover_color="#3f6212",
        enrollment_count=120,
    )
    course.tags.add(TagFactory(slug="tea", name_en="tea", name_zh_hans="茶"))
    for s, (en, zh) in enumerate([("Green tea", "绿茶"), ("Oolong", "乌龙茶"), ("Pu-erh", "普洱")]):
        section = SectionFactory(course=course, title_en=en, title_zh_hans=zh, position=s)
        for n in range(3):
            LessonFactory(
                section=section,
                title_en=f"{en}: step {n + 1}",
                title_zh_hans=f"{zh}：第{n + 1}步",
                position=n,
                is_preview=(s == 0 and n == 0),
                duration_minutes=15 + 5 * n,
            )
    LiveSessionFactory(
        course=course, capacity=20, seats_taken=17, starts_at=timezone.now() + timedelta(days=3)
    )
    LiveSessionFactory(
        course=course, capacity=20, seats_taken=20, starts_at=timezone.now() + timedelta(days=10)
    )
    CourseFactory(slug="spreadsheets", title_en="Spreadsheets for everyone", title_zh_hans="人人都会电子表格")
    return course


def test_search_in_chinese_open_course_and_switch_language(page, live_server, tea_course):
    # given the catalog in Simplified Chinese
    page.goto(f"{live_server.url}/zh-hans/courses/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"

    # when the learner searches in Chinese
    search = page.locator('[data-testid="filter-form"] input[name="q"]')
    search.fill("茶道")
    with page.expect_navigation():
        search.press("Enter")

    # then only the tea course is found
    cards = page.locator('[data-testid="course-card"]')
    assert cards.count() == 1
    assert cards.first.get_attribute("data-slug") == "tea-ceremony"

    # when they open it
    with page.expect_navigation():
        cards.first.locator(".card-title a").click()
    assert page.url == f"{live_server.url}/zh-hans/courses/tea-ceremony/"
    assert page.locator("h1.course-title").inner_text() == "中国茶道入门"
    assert page.locator('[data-testid="syllabus"] .lesson').count() == 9
    # upcoming sessions with seats left: one with 3 of 20 seats, one sold out
    sessions = page.locator('[data-testid="live-sessions"]').inner_text()
    assert "剩余 3 个名额" in sessions
    assert "已满" in sessions
    page.screenshot(path=SCREENSHOT, full_page=True)

    # when they switch to Japanese with the language switcher
    with page.expect_navigation():
        page.locator('[data-testid="language-switcher"] a[data-lang="ja"]').click()

    # then the same course is shown, in Japanese
    assert page.url == f"{live_server.url}/ja/courses/tea-ceremony/"
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("h1.course-title").inner_text() == "中国茶の作法入門"

    # and back to English
    with page.expect_navigation():
        page.locator('[data-testid="language-switcher"] a[data-lang="en"]').click()
    assert page.locator("h1.course-title").inner_text() == "The Way of Tea"


def test_login_fixture_signs_in_and_keeps_preferred_language(page, login, live_server):
    user = UserFactory(username="e2e-learner")
    from tests.factories import LearnerProfileFactory

    # a language chosen in the profile wins over the page's
    LearnerProfileFactory(user=user, preferred_language="es", language_chosen=True)
    login(page, "e2e-learner", "pass-1234")
    assert page.url == f"{live_server.url}/es/"
    assert page.locator('[data-testid="logout"]').count() == 1


def test_signing_in_keeps_the_language_of_the_page_when_none_was_chosen(page, login, live_server):
    from tests.factories import LearnerProfileFactory

    # a learner whose profile language was only set for them (Chinese)
    LearnerProfileFactory(user=UserFactory(username="e2e-browser"), preferred_language="zh-hans")
    # signs in while browsing the Spanish site
    login(page, "e2e-browser", "pass-1234", language="es")
    assert page.url == f"{live_server.url}/es/"
    assert page.locator("html").get_attribute("lang") == "es"
