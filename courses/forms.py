"""Forms of the catalog pages. The filter form never rejects a page: a value it cannot
use is dropped, so a hand-edited URL shows the unfiltered catalog instead of an error."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Course
from .selectors import ORDERINGS

ORDERING_CHOICES = [
    ("popular", _("Most popular")),
    ("newest", _("Newest")),
    ("rating", _("Highest rated")),
    ("price", _("Price: low to high")),
    ("-price", _("Price: high to low")),
]


class CatalogFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    category = forms.ChoiceField(label=_("Category"), required=False)
    format = forms.ChoiceField(
        label=_("Format"), required=False, choices=[("", _("All formats")), *Course.Format.choices]
    )
    level = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("All levels")), *Course.Level.choices]
    )
    language = forms.ChoiceField(
        label=_("Instruction language"),
        required=False,
        choices=[("", _("Any language")), *settings.LANGUAGES],
    )
    price_min = forms.DecimalField(
        label=_("Minimum price"), required=False, min_value=Decimal("0"), max_digits=12, decimal_places=2
    )
    price_max = forms.DecimalField(
        label=_("Maximum price"), required=False, min_value=Decimal("0"), max_digits=12, decimal_places=2
    )
    ordering = forms.ChoiceField(label=_("Sort by"), required=False, choices=ORDERING_CHOICES)

    def __init__(self, *args, categories=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices: list = [("", _("All categories"))]
        for top in categories:
            group = [(top.slug, _("All of %(category)s") % {"category": top.name})]
            group += [(child.slug, child.name) for child in top.subcategories]
            choices.append((top.name, group))
        self.fields["category"].choices = choices
        for name in ("price_min", "price_max"):
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "step": "any"})
        self.fields["q"].widget.attrs.update({"type": "search", "placeholder": _("Search courses")})

    def filters(self) -> dict:
        """The usable filters as keyword arguments of ``courses.selectors.course_list``:
        each invalid field is left out on its own, the others still apply."""
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
        ordering = data.get("ordering") or ""
        return {
            "query": (data.get("q") or "").strip(),
            "category": data.get("category") or "",
            "course_format": data.get("format") or "",
            "level": data.get("level") or "",
            "language": data.get("language") or "",
            "price_min": data.get("price_min"),
            "price_max": data.get("price_max"),
            "ordering": ordering if ordering in ORDERINGS else "",
        }
