"""The APIs read JSON bodies only, and refuse a NUL character anywhere in them.

PostgreSQL refuses NUL in text and JSON columns; a ``"\\u0000"`` inside a slug, an id or a
list of interests would otherwise reach a query and fail as a 500 (DRF's CharField refuses
NUL, but lookups, JSON and list fields do not)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


def _contains_nul(data) -> bool:
    # A stack, not recursion: the body decides how deep it is.
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return True
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            # json.loads gives up on a deeply nested body with RecursionError, which DRF's
            # parser does not turn into a ParseError.
            raise ParseError(_("The JSON body is nested too deeply.")) from None
        if _contains_nul(data):
            raise ParseError(_("The request contains a NUL character, which is not allowed."))
        return data
