"""The reason shown beside each recommendation, rendered in the reader's language.

Stored rows carry a reason code and the names it needs in every language (course titles,
category names), so rendering needs no query. This module (and the segment descriptions the
admin shows) imports nothing heavier than Django: web processes load it through the
selectors and the admin, and must not pay for numpy, scipy or scikit-learn at start."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

REASON_BECAUSE_YOU_TOOK = "because_you_took"
REASON_SIMILAR_LEARNERS = "similar_learners"
REASON_SOMETHING_NEW = "something_new"
REASON_INTEREST = "interest"
REASON_SEGMENT = "segment"
REASON_POPULAR = "popular"
REASON_ALSO_TOOK = "also_took"
REASON_SIMILAR_CONTENT = "similar_content"
REASON_AUDIENCE = "audience"

LEVELS = ("beginner", "intermediate", "advanced")

REASON_TEMPLATES = {
    REASON_BECAUSE_YOU_TOOK: _("Because you took %(course)s"),
    REASON_SIMILAR_LEARNERS: _("Popular with learners like you"),
    REASON_SOMETHING_NEW: _("Something new: %(category)s"),
    REASON_INTEREST: _("Popular in %(category)s, one of your interests"),
    REASON_SEGMENT: _("Popular with learners like you"),
    REASON_POPULAR: _("Popular on Zhiqiao"),
    REASON_ALSO_TOOK: _("Learners who took this course also took it"),
    REASON_SIMILAR_CONTENT: _("On a similar topic"),
    REASON_AUDIENCE: _("A top pick for the learners this campaign is for"),
}


def localized(names: dict | str | None, language: str | None = None) -> str:
    """Pick the reader's language from a ``{language: text}`` dict, falling back like
    modeltranslation does (English, then Chinese, then anything)."""
    if not names:
        return ""
    if isinstance(names, str):
        return names
    language = (language or get_language() or settings.LANGUAGE_CODE).lower()
    for code in (language, language.split("-")[0], *settings.MODELTRANSLATION_FALLBACK_LANGUAGES):
        if names.get(code):
            return names[code]
    return next((value for value in names.values() if value), "")


def reason_text(code: str, params: dict | None = None, language: str | None = None) -> str:
    """The reason in the active language (``translation.override`` selects it)."""
    template = REASON_TEMPLATES.get(code, REASON_TEMPLATES[REASON_POPULAR])
    params = params or {}
    values = {
        "course": localized(params.get("course"), language),
        "category": localized(params.get("category"), language),
    }
    return str(template) % values


def describe_segment(profile: dict, level: str, language: str | None = None) -> str:
    """A readable description such as "Finance beginners who also like Travel"."""
    domains = profile.get("domains") or []
    level_names = {
        "beginner": gettext("beginners"),
        "intermediate": gettext("intermediate learners"),
        "advanced": gettext("advanced learners"),
    }
    who = level_names.get(level, gettext("learners"))
    if not domains:
        return gettext("Learners without a clear field yet")
    main = localized(domains[0].get("name"), language) or domains[0].get("slug", "")
    if len(domains) > 1 and domains[1]["share"] >= 0.15:
        second = localized(domains[1].get("name"), language) or domains[1].get("slug", "")
        return gettext("%(field)s %(who)s who also like %(other)s") % {
            "field": main,
            "who": who,
            "other": second,
        }
    return gettext("%(field)s %(who)s") % {"field": main, "who": who}
