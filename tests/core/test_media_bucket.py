"""Uploaded covers on a live S3-compatible bucket, configured exactly as production does.

moto's standalone server answers the S3 HTTP API on 127.0.0.1; the default storage is built
by ``media_storage_from_url`` from a MEDIA_STORAGE_URL, the cover goes through the admin's
form (validated and re-encoded by core.images), and what lands in the bucket is read back
over HTTP: by boto3, by two fresh storage instances (two web servers), and by the URL the
course page renders."""

import io
import json
import urllib.request

import pytest
from django.contrib import admin
from django.core.files.storage import default_storage
from django.core.files.storage.handler import StorageHandler
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from PIL import Image

from config.settings.media_storage import CACHE_CONTROL, media_storage_from_url
from courses.models import Course
from tests.factories import CourseFactory, UserFactory

moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed")
boto3 = pytest.importorskip("boto3")

# Inside this helper's port range; nothing else listens there during the test run.
PORT = 8917
BUCKET = "zhiqiao-media"
KEY, SECRET = "media-key", "media/secret+1"  # "/" and "+" exercise the URL's percent-decoding
ENDPOINT = f"http://127.0.0.1:{PORT}"
PUBLIC_READ = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": ["*"]},
            "Action": ["s3:GetObject"],
            "Resource": [f"arn:aws:s3:::{BUCKET}/*"],
        }
    ],
}


def _storage_url(**query: str) -> str:
    encoded_secret = SECRET.replace("/", "%2F").replace("+", "%2B")
    params = "&".join(f"{name}={value}" for name, value in {"secure": "false", **query}.items())
    return f"s3://{KEY}:{encoded_secret}@127.0.0.1:{PORT}/{BUCKET}?{params}"


@pytest.fixture(scope="module")
def s3_server():
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=PORT, verbose=False)
    server.start()
    try:
        yield
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_server):
    client = boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    # What `mc anonymous set download` does in docker-compose.yml: browsers read files
    # without credentials (covers and logos are public; pages link to them unsigned).
    client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC_READ))
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _use_media_storage(settings, url: str) -> dict:
    storage, media_url, _origin = media_storage_from_url(url)
    # The same two assignments as config/settings/production.py.
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    settings.MEDIA_URL = media_url
    return storage


def _gif_with_a_trailer() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 20)).save(out, format="GIF")
    return out.getvalue() + b"<script>alert(1)</script>"


def _upload_cover_through_the_admin(course: Course) -> str:
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    form_class = admin.site._registry[Course].get_form(request, obj=course, fields=["cover"])
    upload = SimpleUploadedFile("cover.gif", _gif_with_a_trailer(), content_type="image/gif")
    form = form_class({}, {"cover": upload}, instance=course)
    assert form.is_valid(), form.errors
    form.save()
    course.refresh_from_db()
    return course.cover.name


@pytest.mark.django_db
def test_a_cover_uploaded_through_the_admin_lands_in_the_bucket_for_every_web_server(
    settings, bucket, client
):
    storage_config = _use_media_storage(settings, _storage_url(region="us-east-1"))
    course = CourseFactory()

    name = _upload_cover_through_the_admin(course)

    # Re-encoded (the GIF became a PNG under a random name) and stored with long caching.
    assert name.startswith("covers/") and name.endswith(".png")
    assert name != "covers/cover.gif"
    head = bucket.head_object(Bucket=BUCKET, Key=name)
    assert head["ContentType"] == "image/png"
    assert head["CacheControl"] == CACHE_CONTROL
    stored = bucket.get_object(Bucket=BUCKET, Key=name)["Body"].read()
    assert b"<script>" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert (image.format, image.size) == ("PNG", (40, 30))
    assert not list(default_storage.listdir("")[1])  # nothing at the bucket's root

    # Two web servers: each builds its own storage from the same settings entry.
    web_a = StorageHandler().create_storage(storage_config)
    web_b = StorageHandler().create_storage(storage_config)
    assert web_a is not web_b
    for web in (web_a, web_b):
        assert web.exists(name)
        with web.open(name) as opened:
            assert opened.read() == stored
    # A file one writes, the other reads (and never overwrites it under the same name).
    written = web_b.save("covers/from-b.png", io.BytesIO(stored))
    assert web_a.open(written).read() == stored
    assert web_a.save("covers/from-b.png", io.BytesIO(b"other")) != written

    # The page points at the bucket, and that address serves the file with the cache header.
    response = client.get(reverse("courses:detail", args=[course.slug]))
    url = f"{ENDPOINT}/{BUCKET}/{name}"
    assert response.status_code == 200
    assert f'src="{url}"' in response.content.decode()
    with urllib.request.urlopen(url, timeout=5) as served:
        assert served.read() == stored
        assert served.headers["Content-Type"] == "image/png"
        assert served.headers["Cache-Control"] == CACHE_CONTROL


@pytest.mark.django_db
def test_with_a_public_url_pages_point_at_the_cdn_while_files_go_to_the_endpoint(settings, bucket, client):
    _use_media_storage(settings, _storage_url(public_url=f"https://cdn.example.com/{BUCKET}"))
    course = CourseFactory()

    name = _upload_cover_through_the_admin(course)

    assert bucket.head_object(Bucket=BUCKET, Key=name)["ContentType"] == "image/png"
    response = client.get(reverse("courses:detail", args=[course.slug]))
    assert f'src="https://cdn.example.com/{BUCKET}/{name}"' in response.content.decode()
