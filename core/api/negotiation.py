"""Content negotiation for endpoints whose own query parameters include ``format``."""

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.settings import api_settings


class _SettingsWithoutFormatOverride:
    URL_FORMAT_OVERRIDE = None

    def __getattr__(self, name: str):
        return getattr(api_settings, name)


class QueryFormatIsAFilter(DefaultContentNegotiation):
    """DRF reads ``?format=`` as a renderer choice (``?format=live`` would be a 404 "no
    renderer"); the catalog uses it as the course-format filter, so the renderer comes
    from the Accept header only."""

    settings = _SettingsWithoutFormatOverride()
