"""Factories of partners (minimal) and campaigns for the campaigns tests."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from campaigns.models import (
    Campaign,
    CampaignCourse,
    CampaignPartner,
    DiscountCode,
    Touch,
    TrackingLink,
    Variant,
)
from partners.models import Partner, PartnerMember
from tests.factories import UserFactory


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"partner-{n}")
    name_en = factory.Sequence(lambda n: f"Partner {n}")
    industry = "banking"
    customer_id_secret = "s" * 64


class PartnerMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerMember

    partner = factory.SubFactory(PartnerFactory)
    user = factory.SubFactory(UserFactory)
    role = PartnerMember.Role.OWNER


class CampaignFactory(factory.django.DjangoModelFactory):
    """A running 10 % campaign without courses (pass ``courses=[...]``)."""

    class Meta:
        model = Campaign
        skip_postgeneration_save = True

    partner = factory.SubFactory(PartnerFactory)
    slug = factory.Sequence(lambda n: f"campaign-{n}")
    name_en = factory.Sequence(lambda n: f"Campaign {n}")
    name_es = factory.Sequence(lambda n: f"Campaña {n}")
    headline_en = "Learn with us"
    headline_es = "Aprende con nosotros"
    body_en = "A joint offer."
    call_to_action_en = "Start now"
    status = Campaign.Status.RUNNING
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    discount_percent = Decimal("10.00")
    holdout_share = Decimal("0")

    @factory.post_generation
    def courses(self, create, extracted, **kwargs):
        if create and extracted:
            CampaignCourse.objects.bulk_create(
                [CampaignCourse(campaign=self, course=c, position=i) for i, c in enumerate(extracted)]
            )

    @factory.post_generation
    def lead_share(self, create, extracted, **kwargs):
        if create:
            CampaignPartner.objects.create(
                campaign=self, partner=self.partner, revenue_share=extracted or Decimal("0.1000")
            )


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    campaign = factory.SubFactory(CampaignFactory)
    name = factory.Sequence(lambda n: f"variant-{n}")
    headline_en = factory.Sequence(lambda n: f"Variant headline {n}")
    weight = 1


class DiscountCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DiscountCode

    campaign = factory.SubFactory(CampaignFactory)
    code = factory.Sequence(lambda n: f"CODE{n:06d}")
    max_redemptions = 1
    per_customer_limit = 1


class TrackingLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrackingLink

    campaign = factory.SubFactory(CampaignFactory)
    token = factory.Sequence(lambda n: f"tok{n:09d}")
    channel = TrackingLink.Channel.EMAIL
    utm_source = "bank"
    utm_medium = "email"
    utm_campaign = factory.LazyAttribute(lambda o: o.campaign.slug)


class TouchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Touch

    campaign = factory.SubFactory(CampaignFactory)
    visitor_id = "00000000-0000-4000-8000-000000000001"
    kind = Touch.Kind.CLICK
    created_at = factory.LazyFunction(timezone.now)
