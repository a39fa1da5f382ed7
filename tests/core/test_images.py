"""Uploaded covers and logos: raster images only, within limits, saved again from their
pixels under a new name."""

import io

import pytest
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from PIL import Image

from core.images import RasterImageFormField, image_reencode
from courses.models import Course
from partners.models import Partner
from tests.factories import UserFactory


def _image(fmt: str = "PNG", size=(64, 48), mode="RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 80, 20) if mode == "RGB" else 0).save(out, format=fmt, **save)
    return out.getvalue()


def _upload(data: bytes, name: str = "cover.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize(
    ("fmt", "extension", "content_type"),
    [
        ("PNG", "png", "image/png"),
        ("JPEG", "jpg", "image/jpeg"),
        ("WEBP", "webp", "image/webp"),
        ("GIF", "png", "image/png"),
    ],
)
def test_raster_images_are_saved_again_under_a_random_name(fmt, extension, content_type):
    result = image_reencode(_upload(_image(fmt), name="../../etc/passwd.png"))

    assert result.name.endswith(f".{extension}")
    assert len(result.name) == 32 + 1 + len(extension)
    assert result.content_type == content_type
    with Image.open(io.BytesIO(result.read())) as saved:
        assert saved.size == (64, 48)


def test_metadata_and_appended_bytes_do_not_survive():
    exif = Image.Exif()
    exif[0x010E] = "GPS somewhere private"
    out = io.BytesIO()
    Image.new("RGB", (32, 32), "white").save(out, format="JPEG", exif=exif)
    data = out.getvalue() + b"<script>alert(1)</script>"

    result = image_reencode(_upload(data, name="photo.jpg")).read()

    assert b"GPS somewhere private" not in result
    assert b"<script>" not in result


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (SVG, "logo.svg"),
        (SVG, "logo.png"),
        (b"<html><script>alert(1)</script></html>", "cover.png"),
        (b"GIF89a<script>alert(1)</script>", "cover.gif"),
        (b"", "empty.png"),
        (_image("BMP"), "cover.bmp"),
        (_image("TIFF"), "cover.tiff"),
        (_image()[:40], "truncated.png"),
    ],
)
def test_anything_but_a_whole_raster_image_is_refused(data, name):
    with pytest.raises(ValidationError) as error:
        image_reencode(_upload(data, name=name))

    assert error.value.code == "invalid_image"


@pytest.mark.parametrize("side", [5000, 20000])
def test_images_beyond_the_pixel_limit_are_refused_before_decoding(settings, side):
    settings.UPLOAD_IMAGE_MAX_SIDE = 1000
    # 1-bit pixels compress to almost nothing: a small file that would decode to side x side.
    bomb = _image("PNG", size=(side, side), mode="1")

    with pytest.raises(ValidationError) as error:
        image_reencode(_upload(bomb))

    assert len(bomb) < 100_000
    assert error.value.code == "image_too_large"


def test_files_beyond_the_byte_limit_are_refused(settings):
    settings.UPLOAD_IMAGE_MAX_BYTES = 1024

    with pytest.raises(ValidationError) as error:
        image_reencode(_upload(_image("PNG", size=(300, 300), mode="RGB") + b"\0" * 2048))

    assert error.value.code == "image_too_large"


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "field"), [(Course, "cover"), (Partner, "logo")])
def test_the_admin_forms_of_covers_and_logos_use_the_image_field(model, field):
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)

    form = admin.site._registry[model].get_form(request)()

    assert isinstance(form.fields[field], RasterImageFormField)
    assert form.fields[field].widget.attrs["accept"] == "image/jpeg,image/png,image/webp,image/gif"


@pytest.mark.django_db
def test_a_model_form_stores_the_re_encoded_file(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    form_class = forms.modelform_factory(Partner, fields=["logo"])
    partner = Partner(slug="museum", name_en="Museum")

    bad = form_class({}, {"logo": _upload(SVG, name="logo.svg")}, instance=partner)
    good = form_class({}, {"logo": _upload(_image("PNG"), name="logo.png")}, instance=partner)

    assert not bad.is_valid()
    assert bad.errors["logo"] == [
        "Upload a JPEG, PNG, WebP or GIF image (SVG and other formats are not accepted)."
    ]
    assert good.is_valid(), good.errors
    assert good.cleaned_data["logo"].name.endswith(".png")
    assert good.cleaned_data["logo"].name != "logo.png"
