from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class ClaimForm(forms.Form):
    code = forms.CharField(label=_("Referral code"), max_length=32)


class WithdrawalForm(forms.Form):
    currency = forms.ChoiceField(label=_("Currency"), choices=[(c, c) for c in settings.CURRENCIES])
    amount = forms.CharField(label=_("Amount"), max_length=20)


class ShareForm(forms.Form):
    """A course's slug, or its page address (or a membership plan's) pasted from the
    browser. ``kind`` is "plan" for a plan's address, else "course"."""

    course = forms.CharField(label=_("Course address"), max_length=300)
    kind = "course"

    def clean_course(self) -> str:
        value = self.cleaned_data["course"].strip()
        parts = [part for part in value.split("?")[0].split("/") if part]
        if "plans" in parts[:-1]:
            self.kind = "plan"
            slug = parts[parts.index("plans") + 1]
        elif "courses" in parts[:-1]:
            slug = parts[parts.index("courses") + 1]
        else:
            slug = parts[-1] if parts else ""
        if not slug or not all(char.isalnum() or char in "-_" for char in slug):
            raise forms.ValidationError(_("Enter a course address or slug."))
        return slug[:120]
