"""Forms of the account pages. Category choices for interests come in from the view
(``accounts`` imports nothing of ours)."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from core.timezones import zone_choices

from .models import User

# A short list of the markets the platform serves first; the field stores ISO codes.
COUNTRY_CHOICES = [
    ("", _("Not set")),
    ("CN", _("China")),
    ("HK", _("Hong Kong")),
    ("TW", _("Taiwan")),
    ("SG", _("Singapore")),
    ("JP", _("Japan")),
    ("KR", _("South Korea")),
    ("US", _("United States")),
    ("CA", _("Canada")),
    ("GB", _("United Kingdom")),
    ("DE", _("Germany")),
    ("FR", _("France")),
    ("IT", _("Italy")),
    ("ES", _("Spain")),
    ("MX", _("Mexico")),
    ("AR", _("Argentina")),
    ("CO", _("Colombia")),
    ("CL", _("Chile")),
    ("BR", _("Brazil")),
    ("AU", _("Australia")),
    ("SA", _("Saudi Arabia")),
    ("AE", _("United Arab Emirates")),
    ("EG", _("Egypt")),
    ("MA", _("Morocco")),
]


class SignupForm(UserCreationForm):
    email = forms.EmailField(label=_("E-mail"), required=True)
    marketing_consent = forms.BooleanField(
        label=_("Send me news about courses and offers by e-mail"), required=False
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this e-mail already exists."), code="email_taken")
        return email


class ProfileForm(forms.Form):
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=settings.LANGUAGES)
    country = forms.ChoiceField(label=_("Country"), choices=COUNTRY_CHOICES, required=False)
    preferred_currency = forms.ChoiceField(
        label=_("Currency"),
        required=False,
        choices=[("", _("By language")), *[(code, code) for code in settings.CURRENCIES]],
    )
    interests = forms.MultipleChoiceField(
        label=_("Interests"), required=False, widget=forms.CheckboxSelectMultiple
    )
    marketing_consent = forms.BooleanField(
        label=_("Send me news about courses and offers by e-mail"), required=False
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        help_text=_("Live classes and orders are shown in this time zone."),
    )

    def __init__(self, *args, interest_choices=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["interests"].choices = list(interest_choices)
        self.fields["time_zone"].choices = [("", _("As my browser reports")), *zone_choices()]
        known = {code for code, _ in COUNTRY_CHOICES}
        initial_country = (self.initial.get("country") or "").upper()
        if initial_country and initial_country not in known:
            # Keep a country set elsewhere (seed data, the API) selectable.
            self.fields["country"].choices = [*COUNTRY_CHOICES, (initial_country, initial_country)]


class MfaCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )
