"""Lesson media behind signed, expiring URLs.

The lesson page (or the API) signs ``{lesson, user}`` with the secret key; the media view
checks the signature and its age, that the URL is used by the learner it was signed for,
and that this learner may play the lesson (an active enrollment, the section open) unless
the lesson is a free preview. Files come from the private ``lesson_media`` storage: on a
disk Django streams them with byte ranges (seeking), or hands them to nginx with
X-Accel-Redirect; on a bucket the view redirects to a presigned URL of a few minutes."""

import mimetypes
import re

from django.conf import settings
from django.core import signing
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import http_date

from .. import services
from ..models import Enrollment, Lesson

_SALT = "courses.lesson-media"
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 64 * 1024


def lesson_media_token(*, lesson: Lesson, user) -> str:
    user_id = user.pk if getattr(user, "is_authenticated", False) else 0
    return signing.TimestampSigner(salt=_SALT).sign_object({"l": lesson.pk, "u": user_id})


def lesson_media_url(*, lesson: Lesson, user) -> str:
    """A URL that plays ``lesson``'s file for ``user`` for ``LESSON_MEDIA_URL_SECONDS``."""
    return reverse("courses:lesson_media", kwargs={"token": lesson_media_token(lesson=lesson, user=user)})


def lesson_media_token_read(token: str) -> dict | None:
    try:
        data = signing.TimestampSigner(salt=_SALT).unsign_object(
            token, max_age=settings.LESSON_MEDIA_URL_SECONDS
        )
    except signing.BadSignature:  # SignatureExpired is one too
        return None
    if not isinstance(data, dict) or not isinstance(data.get("l"), int) or not isinstance(data.get("u"), int):
        return None
    return data


def _request_user_id(request: HttpRequest) -> int:
    """The session's user, or an API client's ``Authorization: Token`` user."""
    if request.user.is_authenticated:
        return request.user.pk
    from rest_framework.authentication import TokenAuthentication
    from rest_framework.exceptions import AuthenticationFailed

    try:
        found = TokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return 0
    return found[0].pk if found else 0


def lesson_media_playable(*, lesson: Lesson, user_id: int) -> bool:
    """May ``user_id`` (0 = anonymous) play the lesson's media now?"""
    course = lesson.section.course
    if lesson.is_preview:
        return course.is_published or bool(
            user_id and Enrollment.objects.filter(user_id=user_id, course=course, is_active=True).exists()
        )
    if not user_id:
        return False
    enrollment = Enrollment.objects.filter(user_id=user_id, course=course, is_active=True).first()
    if enrollment is None:
        return False
    return services.lesson_opens_at(lesson=lesson, section=lesson.section, enrollment=enrollment) is None


def _byte_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """``(first, last)`` of a single ``bytes=`` range; ``None`` without one; ``False`` when
    it cannot be satisfied (416). Several ranges are answered with the whole file."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if match is None:
        return None
    start, end = match.groups()
    if not start and not end:
        return None
    if not start:  # the last N bytes
        length = int(end)
        if length == 0:
            return False
        return max(size - length, 0), size - 1
    first = int(start)
    last = min(int(end), size - 1) if end else size - 1
    if first >= size or last < first:
        return False
    return first, last


class _RangeFile:
    """Reads at most ``length`` bytes of an open file from its current offset."""

    def __init__(self, handle, length: int):
        self.handle, self.left = handle, length

    def __iter__(self):
        while self.left > 0:
            chunk = self.handle.read(min(_CHUNK, self.left))
            if not chunk:
                break
            self.left -= len(chunk)
            yield chunk

    def close(self):
        self.handle.close()


def lesson_media_response(request: HttpRequest, lesson: Lesson) -> HttpResponse:
    field = lesson.media_file
    storage = field.storage
    content_type = mimetypes.guess_type(field.name)[0] or "application/octet-stream"
    try:
        path = storage.path(field.name)
    except NotImplementedError:
        # A bucket: the presigned URL lives a few minutes and is made for this request only.
        response = HttpResponseRedirect(storage.url(field.name))
        response["Cache-Control"] = "private, no-store"
        return response
    if settings.LESSON_MEDIA_ACCEL_PREFIX:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.LESSON_MEDIA_ACCEL_PREFIX.rstrip("/") + "/" + field.name
    else:
        size = storage.size(field.name)
        wanted = _byte_range(request.headers.get("Range", ""), size)
        if wanted is False:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        handle = open(path, "rb")  # noqa: SIM115 (closed by the response)
        if wanted is None:
            response = FileResponse(handle, content_type=content_type)
        else:
            first, last = wanted
            handle.seek(first)
            body = _RangeFile(handle, last - first + 1)
            response = FileResponse(body, status=206, content_type=content_type)
            response["Content-Range"] = f"bytes {first}-{last}/{size}"
            response["Content-Length"] = str(last - first + 1)
        response["Accept-Ranges"] = "bytes"
        response["Last-Modified"] = http_date(storage.get_modified_time(field.name).timestamp())
    # Never in a shared cache: the URL is personal even though it carries no cookie.
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
