from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class ClaimForm(forms.Form):
    code = forms.CharField(label=_("Referral code"), max_length=32)


class WithdrawalForm(forms.Form):
    currency = forms.ChoiceField(label=_("Currency"), choices=[(c, c) for c in settings.CURRENCIES])
    amount = forms.CharField(label=_("Amount"), max_length=20)


class ShareForm(forms.Form):
    """A course's slug, or its page address pasted from the browser."""

    course = forms.CharField(label=_("Course address"), max_length=300)

    def clean_course(self) -> str:
        value = self.cleaned_data["course"].strip()
        parts = [part for part in value.split("?")[0].split("/") if part]
        slug = parts[parts.index("courses") + 1] if "courses" in parts[:-1] else (parts[-1] if parts else "")
        if not slug or not all(char.isalnum() or char in "-_" for char in slug):
            raise forms.ValidationError(_("Enter a course address or slug."))
        return slug[:120]
