"""What a page must not do on a phone or a desktop, measured in the browser.

``audit(page, check_targets=True)`` returns a list of human-readable problems:

- the document is wider than the viewport (a horizontal scroll bar);
- an element with ``overflow: hidden``/``clip`` whose content is wider (or taller) than
  its box, so part of it is cut off (the price box that started outside the card);
- text cut by ``text-overflow: ellipsis``;
- a visible element that sticks out of the viewport on the left or the right;
- a tap target (link, button, field, summary, the label of a check box) smaller than
  44 x 44 CSS pixels. Links inside running text are exempt, as WCAG 2.5.5 allows.

An element can opt out of the clip check with ``data-clip-ok`` (a cover image cropped on
purpose); nothing on a page opts out of the width check.
"""

from pathlib import Path

AUDIT_JS = (Path(__file__).with_name("layout.js")).read_text(encoding="utf-8")


def audit(page, check_targets: bool = True) -> list[str]:
    return page.evaluate(AUDIT_JS, check_targets)
