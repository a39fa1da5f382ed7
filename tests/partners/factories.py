"""Factories of the partners app (catalog and account factories live in tests/factories.py)."""

import factory
from django.utils import timezone

from partners.models import ConsentText, Partner, PartnerConsent, PartnerMember
from partners.services import customer_id_secret_new
from tests.factories import UserFactory


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"partner-{n}")
    name_en = factory.LazyAttribute(lambda o: f"{o.slug.title()} Brand")
    name_zh_hans = factory.LazyAttribute(lambda o: f"{o.slug}品牌")
    industry = "banking"
    customer_id_secret = factory.LazyFunction(customer_id_secret_new)


class PartnerMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerMember

    partner = factory.SubFactory(PartnerFactory)
    user = factory.SubFactory(UserFactory)
    role = PartnerMember.Role.OWNER


class ConsentTextFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentText
        django_get_or_create = ("version",)

    version = factory.Sequence(lambda n: n + 1)
    body_en = factory.LazyAttribute(lambda o: f"I agree to share my data (v{o.version}).")
    body_zh_hans = factory.LazyAttribute(lambda o: f"我同意共享数据（第{o.version}版）。")
    body_ja = factory.LazyAttribute(lambda o: f"データ共有に同意します（v{o.version}）。")
    body_es = factory.LazyAttribute(lambda o: f"Acepto compartir mis datos (v{o.version}).")
    is_current = True


class PartnerConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerConsent

    user = factory.SubFactory(UserFactory)
    partner = factory.SubFactory(PartnerFactory)
    consent_text = factory.SubFactory(ConsentTextFactory)
    language = "en"
    granted_at = factory.LazyFunction(timezone.now)
