"""The share poster: a PNG with the course cover, its title, the referrer's name, the QR
code of the referral link and the code, written in the course's language (the people it is
shared with read that language). A membership plan's poster has the plan's title (in the
language asked for: a plan is translated, it has no language of its own) and its cover when
it has one, else a colour. Pillow draws it with the CJK font the certificate PDFs use
(``courses.learning.certificate_pdf.certificate_font_path``), so Chinese and Japanese titles
and names never come out as empty boxes."""

import io

import qrcode
from django.utils import translation
from django.utils.translation import gettext as _
from PIL import Image, ImageColor, ImageDraw, ImageFont, ImageOps

from courses.learning.certificate_pdf import certificate_font_path

WIDTH, COVER_HEIGHT, HEIGHT = 750, 422, 1240
MARGIN = 48
INK, SOFT, ACCENT = (28, 25, 23), (87, 83, 78), (194, 65, 12)


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(certificate_font_path()), size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int, max_lines: int) -> list[str]:
    """Greedy wrapping that works for both scripts: break at the last space when the line
    has one (Latin), else between any two characters (CJK has no spaces)."""
    lines: list[str] = []
    current = ""
    for char in text:
        candidate = current + char
        if draw.textlength(candidate, font=font) <= width or not current:
            current = candidate
            continue
        cut = current.rfind(" ")
        if cut > 0:
            lines.append(current[:cut])
            current = current[cut + 1 :] + char
        else:
            lines.append(current)
            current = char.lstrip()
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:-1].rstrip() + "…"
    return lines


def _cover(product) -> Image.Image:
    cover = getattr(product, "cover", None)
    if product is not None and cover:
        try:
            with cover.open("rb") as handle, Image.open(handle) as image:
                return ImageOps.fit(image.convert("RGB"), (WIDTH, COVER_HEIGHT))
        except (OSError, ValueError):
            pass  # a missing file falls back to the course colour like the catalog cards
    color = ImageColor.getrgb(getattr(product, "cover_color", "") or "#2f6f8f")
    return Image.new("RGB", (WIDTH, COVER_HEIGHT), color)


def _qr(url: str, size: int) -> Image.Image:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=2)
    code.add_data(url)
    code.make(fit=True)
    return (
        code.make_image(fill_color="black", back_color="white")
        .get_image()
        .convert("RGB")
        .resize((size, size), Image.Resampling.NEAREST)
    )


def poster_png(*, course=None, plan=None, name: str, code: str, url: str, language: str) -> bytes:
    product = course if course is not None else plan
    canvas = Image.new("RGB", (WIDTH, HEIGHT), "white")
    canvas.paste(_cover(product), (0, 0))
    draw = ImageDraw.Draw(canvas)
    y = COVER_HEIGHT + 36
    with translation.override(language):
        if product is not None:
            title_font = _font(44)
            # Read inside the override: a plan's translated title follows the language.
            for line in _wrap(draw, str(product.title), title_font, WIDTH - 2 * MARGIN, 3):
                draw.text((MARGIN, y), line, font=title_font, fill=INK)
                y += 58
            y += 10
        body = _font(30)
        for line in _wrap(
            draw, _("%(name)s recommends this to you") % {"name": name}, body, WIDTH - 2 * MARGIN, 2
        ):
            draw.text((MARGIN, y), line, font=body, fill=SOFT)
            y += 42
        qr_size = 300
        qr_top = max(y + 24, HEIGHT - qr_size - 190)
        canvas.paste(_qr(url, qr_size), ((WIDTH - qr_size) // 2, qr_top))
        small = _font(28)
        if course is not None:
            scan = _("Scan the code to open the course")
        elif plan is not None:
            scan = _("Scan the code to see the membership")
        else:
            scan = _("Scan the code to visit")
        draw.text((WIDTH // 2, qr_top + qr_size + 22), scan, font=small, fill=SOFT, anchor="ma")
        draw.text(
            (WIDTH // 2, qr_top + qr_size + 66),
            _("Referral code: %(code)s") % {"code": code},
            font=_font(32),
            fill=INK,
            anchor="ma",
        )
        draw.rectangle((0, HEIGHT - 56, WIDTH, HEIGHT), fill=ACCENT)
        draw.text((WIDTH // 2, HEIGHT - 28), _("Zhiqiao"), font=_font(28), fill="white", anchor="mm")
    out = io.BytesIO()
    canvas.save(out, format="PNG", optimize=True)
    return out.getvalue()
