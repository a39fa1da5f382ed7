"""The certificate as a PDF (fpdf2), readable in every interface language.

Course titles and learner names mix scripts (a Japanese title bought by a Spanish
learner), so one font that covers Latin with accents, Simplified Chinese and Japanese
kana and kanji is embedded (subset) in every file: WenQuanYi Micro Hei from Debian's
``fonts-wqy-microhei`` (or Noto Sans CJK from ``fonts-noto-cjk``). ``CERTIFICATE_FONT``
names another file; a missing font is a clear error, never a PDF of empty boxes.

Arabic letters come from a fallback font (Noto Naskh/Sans Arabic from ``fonts-noto-core``, or
DejaVu Sans from ``fonts-dejavu-core``; ``CERTIFICATE_ARABIC_FONT`` names another), and the
text goes through HarfBuzz (uharfbuzz): Arabic letters join and runs are ordered by the
Unicode bidirectional algorithm, right to left on an Arabic certificate. Without shaping,
Arabic comes out as isolated letters in reverse order."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import formats, timezone
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _
from fpdf import FPDF

from .selectors import Certificate

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
)
ARABIC_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)
_FAMILY = "certificate"
_FALLBACK_FAMILY = "certificate-fallback"
# Left-to-right isolate: a URL inside right-to-left text keeps its own order (without it the
# bidirectional algorithm moves the trailing "/" to the far end).
_LTR_ISOLATE = "\u2066{}\u2069"


def certificate_font_path() -> Path:
    configured = getattr(settings, "CERTIFICATE_FONT", "")
    for candidate in ([configured] if configured else []) + list(FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise ImproperlyConfigured(
        "No CJK font for certificates: install Debian's fonts-wqy-microhei (or fonts-noto-cjk), "
        "or set CERTIFICATE_FONT to a .ttf/.ttc/.otf file."
    )


def certificate_arabic_font_path(*, required: bool) -> Path | None:
    """The font for Arabic letters; ``None`` when there is none and the page is not Arabic
    (a name in Arabic on another language's certificate then shows the main font's boxes)."""
    configured = getattr(settings, "CERTIFICATE_ARABIC_FONT", "")
    for candidate in ([configured] if configured else []) + list(ARABIC_FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    if required:
        raise ImproperlyConfigured(
            "No Arabic font for certificates: install Debian's fonts-noto-core or fonts-dejavu-core, "
            "or set CERTIFICATE_ARABIC_FONT to a .ttf/.otf file."
        )
    return None


def certificate_pdf(*, certificate: Certificate, verify_url: str) -> bytes:
    """A one-page A4 landscape certificate in the active language."""
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_title(_("Certificate of completion"))
    pdf.set_author("Zhiqiao")
    pdf.set_creator("Zhiqiao")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    right_to_left = get_language_bidi()
    arabic_font = certificate_arabic_font_path(required=right_to_left)
    # The page's language picks the main font, the other one fills in: digits and Latin
    # letters inside an Arabic line then come from the same font as the Arabic around them.
    fonts = [certificate_font_path(), arabic_font]
    if right_to_left:
        fonts.reverse()
    main, fallback = fonts
    pdf.add_font(_FAMILY, fname=str(main))
    if fallback is not None:
        pdf.add_font(_FALLBACK_FAMILY, fname=str(fallback))
        pdf.set_fallback_fonts([_FALLBACK_FAMILY])
    pdf.set_text_shaping(use_shaping_engine=True, direction="rtl" if right_to_left else "ltr")
    width = pdf.w - 40

    pdf.set_draw_color(47, 111, 143)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.3)
    pdf.rect(14, 14, pdf.w - 28, pdf.h - 28)

    def line(text: str, size: float, *, gap: float = 4, color=(30, 30, 30)) -> None:
        pdf.set_font(_FAMILY, size=size)
        pdf.set_text_color(*color)
        pdf.set_x(20)
        pdf.multi_cell(width, size * 0.5, text, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    pdf.set_y(26)
    line("Zhiqiao 知桥", 16, color=(47, 111, 143), gap=8)
    line(_("Certificate of completion"), 28, gap=8)
    line(_("This certifies that"), 13, color=(90, 90, 90))
    line(certificate.learner_name, 26, gap=6)
    line(_("has completed every lesson of the course"), 13, color=(90, 90, 90))
    line(certificate.course.title, 20, gap=4)
    line(
        _("taught by %(name)s") % {"name": certificate.course.instructor.name}, 12, color=(90, 90, 90), gap=10
    )
    issued = formats.date_format(timezone.localtime(certificate.issued_at), "DATE_FORMAT")
    line(f"{_('Date of completion')}: {issued}", 12)
    line(f"{_('Verification ID')}: {certificate.verification_id}", 12, gap=2)
    line(
        _("Check this certificate at %(verify_url)s") % {"verify_url": _LTR_ISOLATE.format(verify_url)},
        9,
        color=(90, 90, 90),
    )
    return bytes(pdf.output())
