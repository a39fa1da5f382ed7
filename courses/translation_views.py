"""Staff pages of the translation workflow (``courses.translation_exchange``), mounted in
the admin under the course model and linked from the translation report: find a course,
see what is missing per language, download a PO or XLIFF file, upload the translator's file
and read what happened."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from core.exceptions import ApplicationError

from .models import Course
from .translation_exchange import (
    FORMATS,
    course_translation_export,
    course_translation_import,
    course_units,
    source_language,
    target_languages,
)

INDEX_ROWS = 50


def _language_choices() -> list[tuple[str, str]]:
    from django.conf import settings

    names = dict(settings.LANGUAGES)
    return [(code, f"{names.get(code, code)} ({code})") for code in target_languages()]


class TranslationImportForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"))
    file = forms.FileField(label=_("Translated file (PO or XLIFF)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = _language_choices()


def _require_change(request: HttpRequest) -> None:
    if not request.user.has_perm("courses.change_course"):
        raise PermissionDenied


def translation_index(request: HttpRequest) -> HttpResponse:
    _require_change(request)
    query = request.GET.get("q", "").strip()[:100]
    courses = Course.objects.order_by("slug")
    if query:
        courses = courses.filter(Q(slug__icontains=query) | Q(search_text__icontains=query))
    context = {
        **admin.site.each_context(request),
        "title": _("Course translations"),
        "query": query,
        "courses": list(courses.only("pk", "slug", "title")[:INDEX_ROWS]),
    }
    return TemplateResponse(request, "admin/courses/translations_index.html", context)


def _missing_per_language(course: Course) -> list[dict]:
    rows = []
    for code, name in _language_choices():
        units = [u for u in course_units(course=course, language=code) if u.source.strip()]
        rows.append(
            {
                "code": code,
                "name": name,
                "total": len(units),
                "missing": sum(1 for u in units if not u.target.strip()),
            }
        )
    return rows


def course_translations(request: HttpRequest, pk: int) -> HttpResponse:
    _require_change(request)
    course = Course.objects.filter(pk=pk).first()
    if course is None:
        raise Http404("no such course")
    result, refused, status = None, None, 200
    form = TranslationImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                result = course_translation_import(
                    course=course,
                    language=form.cleaned_data["language"],
                    data=form.cleaned_data["file"].read(),
                )
                status = 200 if result.ok else 400
            except ApplicationError as exc:
                refused = {"code": exc.code, "message": str(exc.message)}
    context = {
        **admin.site.each_context(request),
        "title": _("Translations of %(course)s") % {"course": course.title},
        "course": course,
        "source_language": source_language(),
        "languages": _missing_per_language(course),
        "formats": FORMATS,
        "form": form,
        "result": result,
        "refused": refused,
    }
    return TemplateResponse(request, "admin/courses/translations_course.html", context, status=status)


def course_translation_export_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_change(request)
    course = Course.objects.filter(pk=pk).first()
    if course is None:
        raise Http404("no such course")
    try:
        content, name = course_translation_export(
            course=course, language=request.GET.get("language", ""), file_format=request.GET.get("format", "")
        )
    except ApplicationError as exc:
        return HttpResponse(str(exc.message), status=400, content_type="text/plain; charset=utf-8")
    kind = "text/x-gettext-translation" if name.endswith(".po") else "application/x-xliff+xml"
    response = HttpResponse(content, content_type=f"{kind}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
