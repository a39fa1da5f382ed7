"""Where uploaded media (course covers, partner logos) live, from one URL: MEDIA_STORAGE_URL.

- ``s3://KEY:SECRET@HOST[:PORT]/BUCKET?secure=false&region=us-east-1&public_url=URL`` an
  S3-compatible bucket (MinIO, Ceph, R2, AWS) through django-storages. ``public_url`` is the
  address browsers load the files from (a CDN or the bucket's public endpoint); without it,
  the endpoint itself. Without ``HOST`` (``s3:///BUCKET``) it is AWS S3 with the credentials
  boto3 finds (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, an instance role).
- ``file:///ABSOLUTE/PATH`` the local filesystem: development, or one host with a shared
  volume (two web servers must see the same files).

Files get random names when they are uploaded (core.images), so they never change under a
URL and are served with a one-year immutable Cache-Control."""

from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

CACHE_CONTROL = "public, max-age=31536000, immutable"


def media_storage_from_url(url: str) -> tuple[dict, str, str]:
    """The STORAGES["default"] entry, MEDIA_URL and the origin browsers load media from
    (empty for our own origin)."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc or not parts.path.startswith("/"):
            raise ImproperlyConfigured("MEDIA_STORAGE_URL file:// needs an absolute path.")
        return (
            {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": parts.path}},
            "/media/",
            "",
        )
    if parts.scheme != "s3":
        raise ImproperlyConfigured("MEDIA_STORAGE_URL must start with s3:// or file://.")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    bucket = parts.path.strip("/")
    if not bucket or "/" in bucket:
        raise ImproperlyConfigured("MEDIA_STORAGE_URL must name one bucket: s3://KEY:SECRET@HOST/BUCKET.")
    options = {
        "bucket_name": bucket,
        "region_name": query.get("region") or None,
        # Public, never-changing files: plain URLs that browsers and CDNs can cache.
        "querystring_auth": False,
        "file_overwrite": False,
        "default_acl": None,
        "object_parameters": {"CacheControl": CACHE_CONTROL},
    }
    scheme = "http" if query.get("secure", "true").lower() in {"false", "0", "no"} else "https"
    if parts.hostname:
        endpoint = f"{scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        options.update(
            endpoint_url=endpoint,
            # MinIO and most S3-compatible servers address buckets by path, not sub-domain.
            addressing_style="path",
        )
        if parts.username:
            options.update(access_key=unquote(parts.username), secret_key=unquote(parts.password or ""))
        public = query.get("public_url") or f"{endpoint}/{bucket}"
    else:
        public = query.get("public_url") or f"https://{bucket}.s3.amazonaws.com"
    public_parts = urlsplit(public)
    if public_parts.scheme not in {"http", "https"} or not public_parts.netloc:
        raise ImproperlyConfigured("MEDIA_STORAGE_URL public_url must be an http(s) URL.")
    options.update(
        custom_domain=public_parts.netloc + public_parts.path.rstrip("/"),
        url_protocol=f"{public_parts.scheme}:",
    )
    origin = f"{public_parts.scheme}://{public_parts.netloc}"
    return (
        {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
        f"{public.rstrip('/')}/",
        origin,
    )


LESSON_MEDIA_URL_SECONDS = 300


def lesson_media_storage_from_url(url: str) -> dict:
    """The STORAGES["lesson_media"] entry: never public. On a disk, a ``lesson-media``
    folder beside (not inside) the served media; on a bucket, private objects under
    ``lesson-media/`` whose URLs are presigned for a few minutes (the lesson-media view
    redirects to one only after checking the enrollment). A separate private bucket is
    better still: give it its own ``LESSON_MEDIA_STORAGE_URL``."""
    storage, _media_url, _origin = media_storage_from_url(url)
    if storage["BACKEND"].endswith("FileSystemStorage"):
        location = storage["OPTIONS"]["location"].rstrip("/") + "-lesson-media"
        return {
            "BACKEND": storage["BACKEND"],
            "OPTIONS": {"location": location, "base_url": "/unserved/"},
        }
    options = dict(storage["OPTIONS"])
    # A custom (CDN) domain would hand out unsigned URLs: presign against the endpoint.
    options.pop("custom_domain", None)
    options.pop("url_protocol", None)
    options.update(
        location="lesson-media",
        querystring_auth=True,
        querystring_expire=LESSON_MEDIA_URL_SECONDS,
        default_acl="private",
        object_parameters={"CacheControl": "private, max-age=300"},
    )
    return {"BACKEND": storage["BACKEND"], "OPTIONS": options}
