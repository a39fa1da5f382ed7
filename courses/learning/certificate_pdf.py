"""The certificate as a PDF (fpdf2), readable in every interface language.

Course titles and learner names mix scripts (a Japanese title bought by a Spanish
learner), so one font that covers Latin with accents, Simplified Chinese and Japanese
kana and kanji is embedded (subset) in every file: WenQuanYi Micro Hei from Debian's
``fonts-wqy-microhei`` (or Noto Sans CJK from ``fonts-noto-cjk``). ``CERTIFICATE_FONT``
names another file; a missing font is a clear error, never a PDF of empty boxes."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from fpdf import FPDF

from core.cldr import format_date

from .selectors import Certificate

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
)
_FAMILY = "certificate"


def certificate_font_path() -> Path:
    configured = getattr(settings, "CERTIFICATE_FONT", "")
    for candidate in ([configured] if configured else []) + list(FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise ImproperlyConfigured(
        "No CJK font for certificates: install Debian's fonts-wqy-microhei (or fonts-noto-cjk), "
        "or set CERTIFICATE_FONT to a .ttf/.ttc/.otf file."
    )


def certificate_pdf(*, certificate: Certificate, verify_url: str) -> bytes:
    """A one-page A4 landscape certificate in the active language."""
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_title(_("Certificate of completion"))
    pdf.set_author("Zhiqiao")
    pdf.set_creator("Zhiqiao")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.add_font(_FAMILY, fname=str(certificate_font_path()))
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
    issued = format_date(certificate.issued_at, "long")
    line(f"{_('Date of completion')}: {issued}", 12)
    line(f"{_('Verification ID')}: {certificate.verification_id}", 12, gap=2)
    line(_("Check this certificate at %(verify_url)s") % {"verify_url": verify_url}, 9, color=(90, 90, 90))
    return bytes(pdf.output())
