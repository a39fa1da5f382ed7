"""The invoice request form: it checks the shape of input; the rules live in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Invoice


class InvoiceRequestForm(forms.Form):
    title_kind = forms.ChoiceField(
        label=_("Invoice title type"),
        choices=Invoice.TitleKind.choices,
        initial=Invoice.TitleKind.PERSONAL,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(
        label=_("Invoice title"),
        max_length=150,
        help_text=_("Your full name, or the company's registered name."),
    )
    tax_number = forms.CharField(
        label=_("Tax number"),
        max_length=40,
        required=False,
        help_text=_("Companies: the 18-character unified social credit code."),
    )
    email = forms.EmailField(label=_("E-mail address"), help_text=_("We send the invoice there."))


class InvoiceIssueForm(forms.Form):
    """What staff fill in the admin to issue an invoice."""

    invoice_number = forms.CharField(label=_("Invoice number"), max_length=64, required=False)
    pdf = forms.FileField(label=_("Invoice PDF"))
