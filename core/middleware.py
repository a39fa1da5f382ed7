from django.conf import settings
from django.utils import translation


class QueryLanguageMiddleware:
    """``?lang=xx`` chooses the language of a request (the API honours it beside
    Accept-Language). An unknown code is ignored: the request keeps the language that
    LocaleMiddleware chose, which is the documented sane default."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        lang = request.GET.get("lang", "").strip().lower()
        if lang in self.languages:
            translation.activate(lang)
            request.LANGUAGE_CODE = lang
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
