"""Web forms: they check the shape of input; the rules live in the services."""

import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

SANDBOX_TOKENS = [
    ("tok_success", _("Test card that pays")),
    ("tok_decline", _("Test card that is declined")),
    ("tok_pending", _("Test payment confirmed later")),
]


class CartAddForm(forms.Form):
    course = forms.SlugField(max_length=120)
    live_session = forms.IntegerField(required=False, min_value=1, max_value=2**62)
    # Campaigns integration: the landing page's "buy now" form brings its discount code.
    discount_code = forms.CharField(required=False, max_length=64)


class CartRemoveForm(forms.Form):
    course = forms.SlugField(max_length=120)


class CartCodeForm(forms.Form):
    code = forms.CharField(label=_("Discount code"), max_length=64)
    # The currency the learner sees the cart in; checked against the cart when it is priced.
    currency = forms.ChoiceField(required=False, choices=[(c, c) for c in settings.CURRENCIES])


class CheckoutForm(forms.Form):
    currency = forms.ChoiceField(label=_("Currency"), choices=[(c, c) for c in settings.CURRENCIES])
    discount_code = forms.CharField(label=_("Discount code"), required=False, max_length=64)
    token = forms.ChoiceField(
        label=_("Payment"), choices=SANDBOX_TOKENS, initial="tok_success", widget=forms.RadioSelect
    )
    # Made when the page is shown: submitting twice (double click, refresh) replays the
    # first order instead of charging again.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=255)

    def __init__(self, *args, hosted_page: bool = False, methods: list[dict] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        methods = methods or []
        if len(methods) > 1 or any(m["kind"] != "card" for m in methods):
            # Several ways to pay (WeChat Pay and Alipay beside the card for CNY): the
            # learner picks one; the sandbox's test cards matter only when it is picked.
            self.fields["method"] = forms.ChoiceField(
                label=_("Pay with"),
                choices=[(m["key"], m["label"]) for m in methods],
                initial=methods[0]["key"],
                widget=forms.RadioSelect,
            )
            self.fields["token"].required = False
        if hosted_page and not any(m["provider"] == "sandbox" for m in methods):
            # The card is typed on the provider's page (Stripe Checkout), not chosen here.
            del self.fields["token"]
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
        # A post that lost its key is shown again with a new one, so "Pay" works next time.
        self.fresh_idempotency_key = uuid.uuid4().hex

    def clean(self):
        data = super().clean()
        method = data.get("method") or ""
        if method.startswith("sandbox:") and "token" in self.fields and not data.get("token"):
            self.add_error("token", forms.ValidationError(_("Choose a test card."), code="required"))
        return data


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text=_("Leave empty to refund everything that is left."),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    lines = forms.TypedMultipleChoiceField(
        label=_("Order lines"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to spread the refund over every line."),
    )

    def __init__(self, *args, order=None, **kwargs):
        super().__init__(*args, **kwargs)
        if order is not None:
            self.fields["lines"].choices = [
                (line.pk, f"{line.course} · {line.total} {line.currency} ({line.amount_refunded} refunded)")
                for line in order.lines.select_related("course").order_by("id")
            ]


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("To (exclusive)"), required=False)
    party = forms.CharField(label=_("Party"), required=False, max_length=64)
