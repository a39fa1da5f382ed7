from django import forms
from django.utils.translation import gettext_lazy as _

from partners.models import ApiKey


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=80, help_text=_("Where the key is used, e.g. CRM sync.")
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=ApiKey.Scope.choices, widget=forms.CheckboxSelectMultiple
    )


class CustomerUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: external_id, interests (category slugs separated by semicolons), country, "
            "language, consent (true). external_id must be your pseudonymous id, never an e-mail "
            "address or phone number."
        ),
    )


class ConsentGrantForm(forms.Form):
    agree = forms.BooleanField(
        label=_("I have read the text above and agree to share my data with this partner.")
    )
