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
