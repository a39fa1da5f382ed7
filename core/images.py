"""Uploaded images (course covers, partner logos): raster only, bounded, re-encoded.

An upload is opened with Pillow, refused unless it is a JPEG, PNG, WebP or GIF within the byte
and pixel limits, and saved again from its pixels under a fresh random name. Re-encoding
drops whatever else the file carried (EXIF with GPS positions, a script appended after the
image data, a polyglot that is also HTML), and SVG is never accepted: it is a document that
can run script when opened from our domain."""

import io
import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import models
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

# Formats accepted on input, and the format each is saved in.
OUTPUT_FORMAT = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "GIF": "PNG"}
EXTENSION = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
CONTENT_TYPE = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def _limits() -> tuple[int, int, int]:
    return (
        getattr(settings, "UPLOAD_IMAGE_MAX_BYTES", 5 * 1024 * 1024),
        getattr(settings, "UPLOAD_IMAGE_MAX_SIDE", 4096),
        getattr(settings, "UPLOAD_IMAGE_MAX_PIXELS", 4096 * 4096),
    )


def image_reencode(uploaded) -> SimpleUploadedFile:
    """The upload as a fresh raster file, or ValidationError (code ``invalid_image``,
    ``image_too_large``) in the caller's language."""
    max_bytes, max_side, max_pixels = _limits()
    if uploaded.size is not None and uploaded.size > max_bytes:
        raise ValidationError(
            _("The image is larger than %(mb)s MB.") % {"mb": max_bytes // (1024 * 1024)},
            code="image_too_large",
        )
    uploaded.seek(0)
    data = uploaded.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(
            _("The image is larger than %(mb)s MB.") % {"mb": max_bytes // (1024 * 1024)},
            code="image_too_large",
        )
    not_an_image = ValidationError(
        _("Upload a JPEG, PNG, WebP or GIF image (SVG and other formats are not accepted)."),
        code="invalid_image",
    )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            source_format = probe.format
            width, height = probe.size
            # The header alone tells the size: a decompression bomb is refused before decoding.
            if width > max_side or height > max_side or width * height > max_pixels:
                raise ValidationError(
                    _("The image is larger than %(side)s × %(side)s pixels.") % {"side": max_side},
                    code="image_too_large",
                )
            if source_format not in OUTPUT_FORMAT:
                raise not_an_image
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            output_format = OUTPUT_FORMAT[source_format]
            if output_format == "JPEG":
                image = image.convert("RGB")
            elif image.mode not in ("RGB", "RGBA", "L", "LA"):
                image = image.convert("RGBA")
            out = io.BytesIO()
            # Only the pixels are written: no EXIF, ICC or comment blocks from the upload.
            image.save(out, format=output_format, **({"quality": 88} if output_format != "PNG" else {}))
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        # Pillow's own guard, for headers past twice its pixel limit.
        raise ValidationError(
            _("The image is larger than %(side)s × %(side)s pixels.") % {"side": max_side},
            code="image_too_large",
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise not_an_image from None
    name = f"{uuid.uuid4().hex}.{EXTENSION[output_format]}"
    return SimpleUploadedFile(name, out.getvalue(), content_type=CONTENT_TYPE[output_format])


class RasterImageFormField(forms.FileField):
    def clean(self, data, initial=None):
        cleaned = super().clean(data, initial)
        # The stored file comes back unchanged when nothing new was uploaded.
        if isinstance(cleaned, UploadedFile):
            return image_reencode(cleaned)
        return cleaned

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.FileInput):
            attrs.setdefault("accept", "image/jpeg,image/png,image/webp,image/gif")
        return attrs


class RasterImageField(models.FileField):
    """A FileField whose forms (the admin's included) accept only re-encoded raster images."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": RasterImageFormField, **kwargs})
