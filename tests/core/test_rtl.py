"""Right to left: the stylesheets say where things go with logical properties only (start
and end, never left and right), so one stylesheet serves English and Arabic; charts and
direction-sensitive arrows turn round in a right-to-left language."""

import re
from pathlib import Path

import pytest
from django.utils import translation

from analytics import charts
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", ".git", "node_modules", "staticfiles", "media", "private-media", "tests", "bench"}

# A physical side where a logical one exists: margin-left (margin-inline-start), left: 0
# (inset-inline-start), text-align: right (end), float: left (inline-start), border-right,
# a gradient "to left", a corner radius named by side.
PHYSICAL = re.compile(
    r"(?<![\w-])(?:margin|padding|border|scroll-margin|scroll-padding)-(?:left|right)\b"
    r"|(?<![\w-])(?:left|right)\s*:"
    r"|(?<![\w-])(?:text-align|float|clear)\s*:\s*(?:left|right)\b"
    r"|(?<![\w-])border-(?:top|bottom)-(?:left|right)-radius\b"
    r"|\bto\s+(?:left|right)\b",
    re.IGNORECASE,
)
# (file, the offending text) -> why it may stay. Empty: nothing needs a physical side today.
ALLOWED: dict[tuple[str, str], str] = {}

STYLE_BLOCK = re.compile(r"<style[^>]*>(.*?)</style>", re.S | re.I)
STYLE_ATTRIBUTE = re.compile(r"""\bstyle\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)


def _files(pattern: str):
    for path in sorted(ROOT.rglob(pattern)):
        if not SKIP.intersection(path.relative_to(ROOT).parts):
            yield path


def _css_of(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".css":
        return [text]
    blocks = STYLE_BLOCK.findall(text)
    attributes = [a or b for a, b in STYLE_ATTRIBUTE.findall(text)]
    return blocks + attributes


def _physical_sides() -> list[tuple[str, str]]:
    found = []
    for path in [*_files("*.css"), *_files("*.html")]:
        name = str(path.relative_to(ROOT))
        for css in _css_of(path):
            for match in PHYSICAL.finditer(CSS_COMMENT.sub("", css)):
                if (name, match.group(0)) not in ALLOWED:
                    found.append((name, match.group(0)))
    return found


def test_the_checker_finds_physical_sides():
    # The pattern itself must catch what it is for, or the test below proves nothing.
    samples = [
        "a { margin-left: 1rem }",
        "a { padding-right: 0 }",
        "a { border-left: 1px solid }",
        "a { left: 0 }",
        "a { text-align: right }",
        "a { float: left }",
        "a { background: linear-gradient(to right, red, blue) }",
    ]
    fine = ["a { margin-inline-start: 1rem; inset-inline: 0; text-align: end; float: inline-start }"]

    assert all(PHYSICAL.search(sample) for sample in samples)
    assert not any(PHYSICAL.search(sample) for sample in fine)


def test_stylesheets_and_templates_use_logical_sides_only():
    assert _physical_sides() == []


def test_arrows_along_the_reading_direction_turn_round_in_right_to_left_pages():
    css = (ROOT / "static/css/site.css").read_text(encoding="utf-8")
    bare_arrows = [
        (str(path.relative_to(ROOT)), line.strip())
        for path in _files("*.html")
        for line in path.read_text(encoding="utf-8").splitlines()
        # "→" inside a translated sentence is the translator's to write the right way round.
        if re.search(r"[←→]", re.sub(r"\{%.*?%\}|<span class=\"dir-icon\"[^>]*>[←→]</span>", "", line))
    ]

    assert '[dir="rtl"] .dir-icon' in css
    assert bare_arrows == []


def _bar_positions(svg: str) -> list[float]:
    return [float(x) for x in re.findall(r'<rect x="([\d.]+)"', svg)]


def test_bar_charts_grow_from_the_right_in_arabic():
    bars = [("Visitors", 100), ("Orders", 50)]
    with translation.override("en"):
        ltr = charts.bar_chart("Funnel", bars)
    with translation.override("ar"):
        rtl = charts.bar_chart("Funnel", bars)

    assert 'direction="ltr"' in ltr and 'direction="rtl"' in rtl
    # Left to right the bars start at the label column; right to left they end at its mirror.
    assert _bar_positions(ltr) == [170.0, 170.0]
    ltr_widths = [float(w) for w in re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)"', ltr)]
    assert [round(x + w, 1) for x, w in zip(_bar_positions(rtl), ltr_widths, strict=True)] == [470.0, 470.0]


def test_line_charts_run_time_from_the_right_in_arabic():
    with translation.override("en"):
        ltr = charts.line_chart("Visitors", ["3/1", "3/2"], [("Visitors", [1, 2])])
    with translation.override("ar"):
        rtl = charts.line_chart("Visitors", ["3/1", "3/2"], [("Visitors", [1, 2])])

    first_ltr = re.search(r'points="([\d.]+),', ltr).group(1)
    first_rtl = re.search(r'points="([\d.]+),', rtl).group(1)
    assert (float(first_ltr), float(first_rtl)) == (48.0, 640.0 - 48.0)


@pytest.mark.django_db
def test_arabic_pages_say_rtl_and_the_others_ltr(client):
    arabic = client.get("/ar/courses/").content.decode()
    english = client.get("/en/courses/").content.decode()

    assert '<html lang="ar" dir="rtl">' in arabic
    assert '<html lang="en" dir="ltr">' in english


@pytest.mark.django_db
def test_the_admin_is_usable_in_arabic(client):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)

    page = client.get("/admin/courses/course/add/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()

    assert 'dir="rtl"' in page
    assert "admin/css/rtl.css" in page  # Django's own mirrored admin
    assert "modeltranslation/js/tabbed_translation_fields.js" in page
    # The language tabs start at the right: a logical float above the theme's float: left.
    assert "core/admin/language-tabs.css" in page
    css = (ROOT / "core/static/core/admin/language-tabs.css").read_text(encoding="utf-8")
    assert "[dir] .ui-tabs .ui-tabs-nav li a { float: inline-start; }" in css
