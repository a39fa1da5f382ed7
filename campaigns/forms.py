"""Portal forms: the shape of input only; the rules are in ``campaigns.services``."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.timezones import zone_choices, zone_for_market
from courses.models import Course
from partners.models import Partner

from .models import Campaign, TrackingLink

LANGS = [(code, code.replace("-", "_"), name) for code, name in settings.LANGUAGES]
VARIANT_SLOTS = 3
CO_PARTNER_SLOTS = 2
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CoursePickerField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, course: Course) -> str:
        return f"{course.title} · {course.category.name}"


class CampaignForm(forms.Form):
    """A draft's whole content on one page; translated texts have one field per language."""

    courses = CoursePickerField(
        label=_("Courses"),
        # Titles in the page's language (modeltranslation), alphabetical, with the category.
        queryset=Course.objects.filter(is_published=True)
        .select_related("category")
        .order_by("title", "slug"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "course-picker-option"}),
    )
    discount_type = forms.ChoiceField(label=_("Discount type"), choices=Campaign.DiscountType.choices)
    discount_percent = forms.DecimalField(
        label=_("Discount (%)"),
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        initial=Decimal("10"),
    )
    starts_at = forms.DateTimeField(label=_("Starts at"), required=False, widget=DATETIME_WIDGET)
    ends_at = forms.DateTimeField(label=_("Ends at"), required=False, widget=DATETIME_WIDGET)
    # max_digits as in the column: a larger number is a form error, not a database overflow.
    budget_amount = forms.DecimalField(
        label=_("Budget"), min_value=0, max_digits=12, decimal_places=2, required=False
    )
    budget_currency = forms.ChoiceField(
        label=_("Budget currency"), choices=[(c, c) for c in settings.CURRENCIES], initial="USD"
    )
    attribution_window_days = forms.IntegerField(
        label=_("Attribution window (days)"), min_value=1, max_value=365, initial=30
    )
    target_languages = forms.MultipleChoiceField(
        label=_("Target languages"),
        choices=settings.LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    target_countries = forms.CharField(
        label=_("Target countries"),
        required=False,
        max_length=300,
        help_text=_("Two-letter codes separated by commas, e.g. CN, JP, ES."),
    )
    holdout_percent = forms.DecimalField(
        label=_("Control group (%)"),
        min_value=0,
        max_value=50,
        max_digits=3,
        decimal_places=1,
        initial=Decimal("10"),
        help_text=_("Visitors who see the courses without the offer, so the lift can be measured."),
    )
    revenue_share_percent = forms.DecimalField(
        label=_("Your revenue share (%)"),
        min_value=0,
        max_value=50,
        max_digits=4,
        decimal_places=2,
        initial=Decimal("10"),
    )

    reporting_time_zone = forms.ChoiceField(
        label=_("Reporting time zone"),
        required=False,
        help_text=_("Metric days run from midnight to midnight in this time zone, e.g. Asia/Shanghai."),
    )
    audience_segments = forms.TypedMultipleChoiceField(
        label=_("Learner segments"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Signed-in learners of these segments see the campaign's picks for them."),
    )
    audience_all_customers = forms.BooleanField(
        label=_("All your pushed customers (with data-sharing consent)"), required=False
    )
    audience_customer_ids = forms.CharField(
        label=_("Add pushed customers by id"),
        required=False,
        max_length=400_000,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            "Your own pseudonymous customer ids, one per line. They replace the listed customers; "
            "leave empty to keep the list."
        ),
    )
    audience_clear_customers = forms.BooleanField(label=_("Remove the listed customers"), required=False)

    def __init__(self, *args, partner: Partner, segment_choices: list[tuple[int, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience_segments"].choices = list(segment_choices)
        # Empty: the zone follows the target countries (core.timezones.zone_for_market).
        zones = [("", _("The target market's time zone")), *zone_choices()]
        current = self.initial.get("reporting_time_zone")
        if current and current not in dict(zones):
            # A zone staff set in the admin that the list leaves out (an Etc/ zone) stays.
            zones.append((current, current))
        self.fields["reporting_time_zone"].choices = zones
        for code, suffix, name in LANGS:
            required = code == "en"
            self.fields[f"name_{suffix}"] = forms.CharField(
                label=_("Name (%(lang)s)") % {"lang": name}, max_length=160, required=required
            )
            self.fields[f"headline_{suffix}"] = forms.CharField(
                label=_("Headline (%(lang)s)") % {"lang": name}, max_length=200, required=False
            )
            self.fields[f"body_{suffix}"] = forms.CharField(
                label=_("Text (%(lang)s)") % {"lang": name},
                max_length=5000,
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            self.fields[f"call_to_action_{suffix}"] = forms.CharField(
                label=_("Call to action (%(lang)s)") % {"lang": name}, max_length=80, required=False
            )
        for currency in settings.CURRENCIES:
            self.fields[f"fixed_{currency}"] = forms.DecimalField(
                label=_("Fixed amount off (%(currency)s)") % {"currency": currency},
                min_value=0,
                max_digits=12,
                decimal_places=2,
                required=False,
            )
        for i in range(1, VARIANT_SLOTS + 1):
            self.fields[f"variant_{i}_name"] = forms.CharField(
                label=_("Variant %(n)s: name") % {"n": i}, max_length=60, required=False
            )
            self.fields[f"variant_{i}_headline"] = forms.CharField(
                label=_("Variant %(n)s: headline (English)") % {"n": i}, max_length=200, required=False
            )
            self.fields[f"variant_{i}_discount"] = forms.DecimalField(
                label=_("Variant %(n)s: discount (%%)") % {"n": i},
                min_value=0,
                max_value=100,
                max_digits=5,
                decimal_places=2,
                required=False,
            )
            self.fields[f"variant_{i}_weight"] = forms.IntegerField(
                label=_("Variant %(n)s: traffic weight") % {"n": i},
                min_value=1,
                max_value=100,
                required=False,
            )
        others = Partner.objects.filter(status=Partner.Status.ACTIVE).exclude(pk=partner.pk).order_by("slug")
        for i in range(1, CO_PARTNER_SLOTS + 1):
            self.fields[f"co_partner_{i}"] = forms.ModelChoiceField(
                label=_("Co-partner %(n)s") % {"n": i}, queryset=others, required=False
            )
            self.fields[f"co_partner_{i}_share"] = forms.DecimalField(
                label=_("Co-partner %(n)s: revenue share (%%)") % {"n": i},
                min_value=0,
                max_value=50,
                max_digits=4,
                decimal_places=2,
                required=False,
            )

    def language_groups(self) -> list[dict]:
        return [
            {
                "code": code,
                "name": name,
                "fields": [
                    self[f"{field}_{suffix}"] for field in ("name", "headline", "body", "call_to_action")
                ],
            }
            for code, suffix, name in LANGS
        ]

    def variant_rows(self) -> list[list]:
        return [
            [self[f"variant_{i}_{part}"] for part in ("name", "headline", "discount", "weight")]
            for i in range(1, VARIANT_SLOTS + 1)
        ]

    def co_partner_rows(self) -> list[list]:
        return [
            [self[f"co_partner_{i}"], self[f"co_partner_{i}_share"]] for i in range(1, CO_PARTNER_SLOTS + 1)
        ]

    def clean_target_countries(self) -> list[str]:
        raw = self.cleaned_data.get("target_countries") or ""
        countries = [part.strip().upper() for part in raw.replace(";", ",").split(",") if part.strip()]
        if any(len(c) != 2 or not c.isalpha() for c in countries):
            raise forms.ValidationError(_("Use two-letter country codes."))
        return countries

    def customer_external_ids(self) -> list[str]:
        raw = self.cleaned_data.get("audience_customer_ids") or ""
        return [line.strip() for line in raw.replace(",", "\n").splitlines() if line.strip()]

    def audience_kwargs(self) -> dict:
        data = self.cleaned_data
        audience: dict = {
            "segments": list(data.get("audience_segments") or []),
            "all_customers": bool(data.get("audience_all_customers")),
        }
        if data.get("audience_clear_customers"):
            audience["customer_external_ids"] = []
        elif self.customer_external_ids():
            audience["customer_external_ids"] = self.customer_external_ids()
        return audience

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        fields = {
            name: data[name]
            for name in (
                "discount_type",
                "discount_percent",
                "starts_at",
                "ends_at",
                "budget_amount",
                "budget_currency",
                "attribution_window_days",
                "target_languages",
                "target_countries",
            )
        }
        fields["target_languages"] = list(fields["target_languages"])
        # Empty: the target market's zone, also when another zone was chosen before.
        fields["reporting_time_zone"] = data.get("reporting_time_zone") or zone_for_market(
            fields["target_countries"]
        )
        fields["holdout_share"] = (data["holdout_percent"] / Decimal(100)).quantize(Decimal("0.0001"))
        for _code, suffix, _name in LANGS:
            for field in ("name", "headline", "body", "call_to_action"):
                fields[f"{field}_{suffix}"] = data.get(f"{field}_{suffix}") or ""
        variants = [
            {
                "name": data[f"variant_{i}_name"],
                "headline_en": data.get(f"variant_{i}_headline") or "",
                "discount_percent": data.get(f"variant_{i}_discount"),
                "weight": data.get(f"variant_{i}_weight") or 1,
            }
            for i in range(1, VARIANT_SLOTS + 1)
            if data.get(f"variant_{i}_name")
        ]
        co_partners = {
            data[f"co_partner_{i}"].pk: (data.get(f"co_partner_{i}_share") or Decimal(0)) / Decimal(100)
            for i in range(1, CO_PARTNER_SLOTS + 1)
            if data.get(f"co_partner_{i}")
        }
        fixed = {c: data[f"fixed_{c}"] for c in settings.CURRENCIES if data.get(f"fixed_{c}")}
        return {
            "fields": fields,
            "course_ids": [course.pk for course in data["courses"]],
            "fixed_amounts": fixed,
            "lead_share": (data["revenue_share_percent"] / Decimal(100)).quantize(Decimal("0.0001")),
            "co_partners": co_partners,
            "variants": variants,
            "audience": self.audience_kwargs(),
        }

    @classmethod
    def initial_from(cls, campaign: Campaign) -> dict:
        initial: dict = {
            "courses": [cc.course_id for cc in campaign.campaign_courses.all()],
            "discount_type": campaign.discount_type,
            "discount_percent": campaign.discount_percent,
            "starts_at": campaign.starts_at,
            "ends_at": campaign.ends_at,
            "budget_amount": campaign.budget_amount,
            "budget_currency": campaign.budget_currency,
            "attribution_window_days": campaign.attribution_window_days,
            "target_languages": campaign.target_languages,
            "target_countries": ", ".join(campaign.target_countries),
            "holdout_percent": campaign.holdout_share * 100,
            # A zone that is the market's default shows as "the target market's zone", so it
            # keeps following the target countries when they change.
            "reporting_time_zone": ""
            if campaign.reporting_time_zone == zone_for_market(campaign.target_countries)
            else campaign.reporting_time_zone,
            "audience_segments": list(campaign.audience_segments or []),
            "audience_all_customers": campaign.audience_all_customers,
        }
        for _code, suffix, _name in LANGS:
            for field in ("name", "headline", "body", "call_to_action"):
                initial[f"{field}_{suffix}"] = getattr(campaign, f"{field}_{suffix}")
        for row in campaign.fixed_discounts.all():
            initial[f"fixed_{row.currency}"] = row.amount
        for i, variant in enumerate(campaign.variants.all()[:VARIANT_SLOTS], start=1):
            initial.update(
                {
                    f"variant_{i}_name": variant.name,
                    f"variant_{i}_headline": variant.headline_en,
                    f"variant_{i}_discount": variant.discount_percent,
                    f"variant_{i}_weight": variant.weight,
                }
            )
        co = [cp for cp in campaign.campaign_partners.all() if cp.partner_id != campaign.partner_id]
        lead = next(
            (cp for cp in campaign.campaign_partners.all() if cp.partner_id == campaign.partner_id), None
        )
        initial["revenue_share_percent"] = (lead.revenue_share * 100) if lead else Decimal("10")
        for i, cp in enumerate(co[:CO_PARTNER_SLOTS], start=1):
            initial[f"co_partner_{i}"] = cp.partner_id
            initial[f"co_partner_{i}_share"] = cp.revenue_share * 100
        return initial


class CodesGenerateForm(forms.Form):
    count = forms.IntegerField(label=_("How many codes"), min_value=1, max_value=5000, initial=100)
    max_redemptions = forms.IntegerField(
        label=_("Uses per code"), min_value=1, max_value=1_000_000, initial=1
    )
    per_customer_limit = forms.IntegerField(
        label=_("Uses per learner"), min_value=1, max_value=100, initial=1
    )
    expires_at = forms.DateTimeField(label=_("Expires at"), required=False, widget=DATETIME_WIDGET)


class NamedCodeForm(forms.Form):
    code = forms.CharField(label=_("Code"), min_length=4, max_length=40)
    max_redemptions = forms.IntegerField(
        label=_("Uses in total"), min_value=1, max_value=1_000_000, initial=1000
    )
    per_customer_limit = forms.IntegerField(
        label=_("Uses per learner"), min_value=1, max_value=100, initial=1
    )


class TrackingLinkForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80, required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=TrackingLink.Channel.choices)
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("Visitor's language")), *settings.LANGUAGES], required=False
    )
    utm_content = forms.CharField(label=_("utm_content"), max_length=80, required=False)


class PlanGrantForm(forms.Form):
    """The partner's own pseudonymous id of a pushed customer (as pushed, not the hash)."""

    external_id = forms.CharField(
        label=_("Customer id"),
        max_length=200,
        help_text=_("Your own id of the customer, as you pushed it."),
    )

    def clean_external_id(self) -> str:
        value = self.cleaned_data["external_id"].strip()
        if not value.isprintable():
            raise forms.ValidationError(_("Send the reference as printable text."))
        return value
