"""Lesson media: private storage, signed expiring URLs bound to a learner, byte ranges,
the player's position (resume) and completion at the watched share."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.learning import media
from courses.learning.services import lesson_position_save
from courses.models import Enrollment, LessonProgress
from courses.services import enrollment_revoke
from demo.steps.media import tone_wav
from tests.courses.learning_factories import course_with_lessons, enrolled_learner
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

WAV = tone_wav(seconds=1)


class Clock:
    """Moves ``django.utils.timezone.now`` (and so ``auto_now``) by hand."""

    def __init__(self, monkeypatch):
        self.now = timezone.now()
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def tick(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def _with_media(lesson, *, seconds=100):
    lesson.media_kind, lesson.media_seconds = "audio", seconds
    lesson.media_file.save("tone.wav", ContentFile(WAV), save=False)
    lesson.save()
    return lesson


def _client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _play(client: Client, url: str, **headers):
    response = client.get(url, **headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def test_files_go_to_the_private_storage_not_under_media_url(settings):
    _course, lessons = course_with_lessons(lessons=1)
    lesson = _with_media(lessons[0])
    assert lesson.media_file.storage is not None
    assert not lesson.media_file.path.startswith(str(settings.MEDIA_ROOT))
    assert lesson.media_file.name.startswith("lessons/") and lesson.media_file.name.endswith(".wav")


def test_an_enrolled_learner_plays_paid_media_and_others_are_refused():
    course, lessons = course_with_lessons(lessons=2)
    lesson = _with_media(lessons[1])
    learner = enrolled_learner(course)
    url = media.lesson_media_url(lesson=lesson, user=learner)

    response, body = _play(_client_for(learner), url)
    assert response.status_code == 200
    assert body == WAV
    assert response["Content-Type"] == "audio/x-wav"
    assert response["Accept-Ranges"] == "bytes"
    assert "private" in response["Cache-Control"]

    # the same URL in another account's browser, or with no session: refused
    assert _play(_client_for(UserFactory()), url)[0].status_code == 403
    assert _play(_client_for(None), url)[0].status_code == 403
    # a URL signed for a learner who is not enrolled
    outsider = UserFactory()
    response, _ = _play(_client_for(outsider), media.lesson_media_url(lesson=lesson, user=outsider))
    assert response.status_code == 403
    # after a refund the learner's own URL stops working
    enrollment_revoke(user=learner, course=course)
    assert _play(_client_for(learner), url)[0].status_code == 403


def test_an_anonymous_url_of_a_paid_lesson_plays_nothing():
    _course, lessons = course_with_lessons(lessons=2)
    lesson = _with_media(lessons[1])
    url = media.lesson_media_url(lesson=lesson, user=None)
    assert _play(_client_for(None), url)[0].status_code == 403


def test_a_tampered_or_expired_url_is_refused(settings, monkeypatch):
    course, lessons = course_with_lessons(lessons=1)
    lesson = _with_media(lessons[0])
    learner = enrolled_learner(course)
    token = media.lesson_media_token(lesson=lesson, user=learner)
    client = _client_for(learner)
    other = _with_media(course_with_lessons(lessons=1)[1][0])
    forged = token.replace(f'"l":{lesson.pk}', f'"l":{other.pk}')
    assert (
        _play(client, reverse("courses:lesson_media", kwargs={"token": forged + "x"}))[0].status_code == 403
    )
    assert _play(client, reverse("courses:lesson_media", kwargs={"token": token}))[0].status_code == 200
    import time

    later = time.time() + settings.LESSON_MEDIA_URL_SECONDS + 5
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    response, _ = _play(client, reverse("courses:lesson_media", kwargs={"token": token}))
    assert response.status_code == 403


def test_preview_media_plays_for_anyone():
    _course, lessons = course_with_lessons(lessons=2, preview_first=True)
    lesson = _with_media(lessons[0])
    response, body = _play(_client_for(None), media.lesson_media_url(lesson=lesson, user=None))
    assert response.status_code == 200 and body == WAV


@pytest.mark.parametrize(
    ("header", "status", "first", "last"),
    [
        ("bytes=0-9", 206, 0, 9),
        ("bytes=100-", 206, 100, len(WAV) - 1),
        ("bytes=-10", 206, len(WAV) - 10, len(WAV) - 1),
        ("bytes=5-999999999", 206, 5, len(WAV) - 1),
    ],
)
def test_byte_ranges_let_the_player_seek(header, status, first, last):
    _course, lessons = course_with_lessons(lessons=1, preview_first=True)
    lesson = _with_media(lessons[0])
    response, body = _play(
        _client_for(None), media.lesson_media_url(lesson=lesson, user=None), HTTP_RANGE=header
    )
    assert response.status_code == status
    assert body == WAV[first : last + 1]
    assert response["Content-Range"] == f"bytes {first}-{last}/{len(WAV)}"
    assert response["Content-Length"] == str(last - first + 1)


def test_an_unsatisfiable_range_is_a_416():
    _course, lessons = course_with_lessons(lessons=1, preview_first=True)
    lesson = _with_media(lessons[0])
    response, _ = _play(
        _client_for(None), media.lesson_media_url(lesson=lesson, user=None), HTTP_RANGE=f"bytes={len(WAV)}-"
    )
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(WAV)}"


def test_x_accel_redirect_hands_the_file_to_nginx(settings):
    settings.LESSON_MEDIA_ACCEL_PREFIX = "/_lesson_media/"
    _course, lessons = course_with_lessons(lessons=1, preview_first=True)
    lesson = _with_media(lessons[0])
    response, body = _play(_client_for(None), media.lesson_media_url(lesson=lesson, user=None))
    assert response.status_code == 200 and body == b""
    assert response["X-Accel-Redirect"] == "/_lesson_media/" + lesson.media_file.name


def test_an_api_token_client_plays_its_own_url(api_client):
    from rest_framework.authtoken.models import Token

    course, lessons = course_with_lessons(lessons=2)
    lesson = _with_media(lessons[1])
    learner = enrolled_learner(course)
    token = Token.objects.create(user=learner)
    api_client.force_authenticate(learner)
    detail = api_client.get(f"/api/v1/courses/{course.slug}/lessons/{lesson.pk}/").json()
    url = detail["media"]["url"]
    assert detail["media"]["kind"] == "audio"
    response, body = _play(Client(), url, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200 and body == WAV
    assert _play(Client(), url)[0].status_code == 403


# --- Position, resume, watched share --------------------------------------------------------


def test_positions_resume_and_complete_at_the_watched_share(clock):
    course, lessons = course_with_lessons(lessons=2)
    lesson = _with_media(lessons[0], seconds=100)
    learner = enrolled_learner(course)
    lesson_position_save(user=learner, lesson=lesson, position=0)
    for second in range(10, 90, 10):  # played at normal speed, saved every 10 s
        clock.tick(10)
        progress = lesson_position_save(user=learner, lesson=lesson, position=second)
    assert progress.watched_seconds == 80 and not progress.completed
    clock.tick(10)
    progress = lesson_position_save(user=learner, lesson=lesson, position=90)
    assert progress.completed
    assert LessonProgress.objects.get(user=learner, lesson=lesson).position_seconds == 90
    assert Enrollment.objects.get(user=learner, course=course).completed_lessons == 1


def test_seeking_to_the_end_is_not_watching(clock):
    course, lessons = course_with_lessons(lessons=1)
    lesson = _with_media(lessons[0], seconds=600)
    learner = enrolled_learner(course)
    lesson_position_save(user=learner, lesson=lesson, position=0)
    clock.tick(5)
    progress = lesson_position_save(user=learner, lesson=lesson, position=590)
    assert progress.position_seconds == 590  # resume there
    assert progress.watched_seconds == 0 and not progress.completed


def test_position_api_saves_and_answers_errors_in_the_json_shape(api_client):
    course, lessons = course_with_lessons(lessons=1)
    lesson = _with_media(lessons[0], seconds=100)
    learner = enrolled_learner(course)
    url = reverse("api:my-lesson-position", kwargs={"lesson_id": lesson.pk})
    assert api_client.post(url, {"position": 3}, format="json").status_code in (401, 403)
    api_client.force_authenticate(learner)
    response = api_client.post(url, {"position": 12.5, "duration": 100}, format="json")
    assert response.status_code == 200
    assert response.json()["position"] == 12.5
    for bad in ({"position": "abc"}, {"position": -1}, {}, {"position": None}, {"position": 1e12}):
        response = api_client.post(url, bad, format="json")
        assert response.status_code == 400
        assert set(response.json()) >= {"code", "detail"}
    assert (
        api_client.post("/api/v1/me/lessons/999999/position/", {"position": 1}, format="json").status_code
        == 404
    )
    stranger = UserFactory()
    api_client.force_authenticate(stranger)
    response = api_client.post(url, {"position": 50}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "not_enrolled"
    assert LessonProgress.objects.get(user=learner, lesson=lesson).position_seconds == 12.5


def test_the_lesson_page_has_the_player_with_the_resume_position():
    course, lessons = course_with_lessons(lessons=1)
    lesson = _with_media(lessons[0])
    learner = enrolled_learner(course)
    lesson_position_save(user=learner, lesson=lesson, position=42.5)
    response = _client_for(learner).get(reverse("courses:lesson", args=[course.slug, lesson.pk]))
    html = response.content.decode()
    assert 'data-position="42.500"' in html
    assert "/learn/media/" in html and "<audio" in html
    assert "data-speed" in html and "js/lesson-player.js" in html


def test_the_course_page_links_the_free_preview_badge_to_the_preview():
    course, lessons = course_with_lessons(lessons=2, preview_first=True)
    response = Client().get(reverse("courses:detail", args=[course.slug]))
    assert reverse("courses:lesson", args=[course.slug, lessons[0].pk]) in response.content.decode()
    preview = Client().get(reverse("courses:lesson", args=[course.slug, lessons[0].pk]))
    assert preview.status_code == 200


def test_on_a_bucket_the_view_redirects_to_a_presigned_url_after_the_checks(monkeypatch):
    from django.core.files.storage import FileSystemStorage

    class BucketLike(FileSystemStorage):
        """What S3Storage looks like to the view: no local path, signed URLs."""

        def path(self, name):
            raise NotImplementedError

        def url(self, name):
            return f"https://bucket.example/lesson-media/{name}?X-Amz-Signature=abc"

    _course, lessons = course_with_lessons(lessons=2)
    lesson = _with_media(lessons[1])
    bucket = BucketLike(location=lesson.media_file.storage.location)
    monkeypatch.setattr(lesson.media_file.field, "storage", bucket)
    learner = enrolled_learner(_course)
    url = media.lesson_media_url(lesson=lesson, user=learner)

    response = _client_for(learner).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("https://bucket.example/lesson-media/lessons/")
    assert response["Cache-Control"] == "private, no-store"
    assert _client_for(UserFactory()).get(url).status_code == 403


def test_production_lesson_storage_is_private_and_signed():
    from config.settings.media_storage import lesson_media_storage_from_url

    disk = lesson_media_storage_from_url("file:///srv/media")
    assert disk["OPTIONS"]["location"] == "/srv/media-lesson-media"
    bucket = lesson_media_storage_from_url(
        "s3://KEY:SECRET@minio:9000/zq?secure=false&public_url=https://cdn.example.com/zq"
    )
    options = bucket["OPTIONS"]
    assert options["querystring_auth"] is True and options["default_acl"] == "private"
    assert options["location"] == "lesson-media" and "custom_domain" not in options
    assert options["endpoint_url"] == "http://minio:9000"
