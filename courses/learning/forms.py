"""Forms of the learning pages. They check the shape of input only; the rules (who may
review, what a rating is) live in ``courses.services``."""

from django import forms
from django.utils.translation import gettext_lazy as _

RATING_CHOICES = [(stars, str(stars)) for stars in range(5, 0, -1)]


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating"), choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Your review"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ProgressForm(forms.Form):
    completed = forms.BooleanField(required=False)


class ReviewListForm(forms.Form):
    """The reviews page's sorting and star filter. Like the catalog filters it never
    refuses a page: a value it cannot use is dropped."""

    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("newest", _("Newest")),
            ("oldest", _("Oldest")),
            ("highest", _("Highest rated")),
            ("lowest", _("Lowest rated")),
        ],
    )
    stars = forms.TypedChoiceField(
        label=_("Stars"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All ratings")), *RATING_CHOICES],
    )

    def filters(self) -> dict:
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
        return {"ordering": data.get("sort") or "newest", "rating": data.get("stars")}
