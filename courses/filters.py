"""Query parameters of the storefront catalog endpoint.

The FilterSet only checks the shape of the parameters (a bad value is a 400 with code
``invalid``, never a 500) and hands the cleaned values to ``courses.selectors.course_list``,
which owns the query, so the API and the web catalog page filter the same way."""

import django_filters
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.money import currency_for_request

from .models import Course
from .selectors import ORDERINGS, course_list

CURRENCY_CHOICES = [(code, code) for code in settings.CURRENCIES]
ORDERING_CHOICES = [(key, key) for key in ORDERINGS]
PRICE_FIELD = {"max_digits": 12, "decimal_places": 2, "min_value": 0}


class CourseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        max_length=200, help_text=_("Search in titles, descriptions, tags and instructors in every language.")
    )
    category = django_filters.CharFilter(
        max_length=80, help_text=_("Category slug; a top category includes its subcategories.")
    )
    format = django_filters.ChoiceFilter(choices=Course.Format.choices)
    level = django_filters.ChoiceFilter(choices=Course.Level.choices)
    language = django_filters.ChoiceFilter(
        choices=settings.LANGUAGES, help_text=_("Instruction language of the course.")
    )
    tag = django_filters.CharFilter(max_length=80, help_text=_("Tag slug."))
    price_min = django_filters.NumberFilter(
        help_text=_("Lowest price, in the chosen currency."), **PRICE_FIELD
    )
    price_max = django_filters.NumberFilter(
        help_text=_("Highest price, in the chosen currency."), **PRICE_FIELD
    )
    currency = django_filters.ChoiceFilter(
        choices=CURRENCY_CHOICES,
        help_text=_("Currency of the prices shown and of the price filters; defaults by language."),
    )
    ordering = django_filters.ChoiceFilter(
        choices=ORDERING_CHOICES,
        help_text=_("Default: most popular first (most relevant first when searching)."),
    )

    class Meta:
        model = Course
        fields: list[str] = []

    def get_form_class(self):
        # django-filter makes the form class, and every filter's form field, again for each
        # request (0.6 ms of a catalog list's CPU); they are the same every time, so the
        # class is made once per process (each form still gets its own copies of the
        # fields, as Django's forms do).
        form_class = type(self).__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            type(self)._form_class = form_class
        return form_class

    def filter_queryset(self, queryset: QuerySet[Course]) -> QuerySet[Course]:
        # The selector builds the whole query (published courses, price annotation,
        # prefetching); the view's base queryset only tells django-filter the model.
        data = self.form.cleaned_data
        return course_list(
            currency=data.get("currency") or currency_for_request(self.request),
            query=data.get("q") or "",
            category=data.get("category") or "",
            course_format=data.get("format") or "",
            level=data.get("level") or "",
            language=data.get("language") or "",
            tag=data.get("tag") or "",
            price_min=data.get("price_min"),
            price_max=data.get("price_max"),
            ordering=data.get("ordering") or "",
        )
