from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from accounts.forms import COUNTRY_CHOICES
from accounts.models import User
from partners.models import ApiKey, PartnerApplication, PartnerMember


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


class PartnerApplicationForm(forms.ModelForm):
    """The public "become a partner" form."""

    country = forms.ChoiceField(label=_("Country"), choices=COUNTRY_CHOICES)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = PartnerApplication
        fields = ["company", "industry", "website", "country", "contact_name", "contact_email", "message"]
        widgets = {"message": forms.Textarea(attrs={"rows": 5})}

    def validate_constraints(self, exclude=None):
        # A pending application from the same address is answered by the service (it
        # returns that one), not refused as an error.
        return None


class InvitationSignupForm(UserCreationForm):
    """An account for the invited address: the e-mail comes from the invitation."""

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username",)


class MemberInviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"), choices=PartnerMember.Role.choices)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=PartnerMember.Role.choices)
