"""The reason shown beside each recommendation, rendered in the reader's language.

Stored rows carry a reason code and the names it needs in every language (course titles,
category names), so rendering needs no query."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from . import reranking

REASON_TEMPLATES = {
    reranking.REASON_BECAUSE_YOU_TOOK: _("Because you took %(course)s"),
    reranking.REASON_SIMILAR_LEARNERS: _("Popular with learners like you"),
    reranking.REASON_SOMETHING_NEW: _("Something new: %(category)s"),
    reranking.REASON_INTEREST: _("Popular in %(category)s, one of your interests"),
    reranking.REASON_SEGMENT: _("Popular with learners like you"),
    reranking.REASON_POPULAR: _("Popular on Zhiqiao"),
    reranking.REASON_ALSO_TOOK: _("Learners who took this course also took it"),
    reranking.REASON_SIMILAR_CONTENT: _("On a similar topic"),
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
    template = REASON_TEMPLATES.get(code, REASON_TEMPLATES[reranking.REASON_POPULAR])
    params = params or {}
    values = {
        "course": localized(params.get("course"), language),
        "category": localized(params.get("category"), language),
    }
    return str(template) % values
