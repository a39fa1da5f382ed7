"""The learner's customer record at a provider that saves payment methods (Stripe), so a
membership's renewals can be charged without the learner: made once, at the first payment
that saves a method, and reused for every later one."""

from django.db import IntegrityError

from ..models import Order, ProviderCustomer
from ..payments import Provider


def provider_customer_for(*, user, provider: Provider) -> str:
    """The provider's customer id for ``user``, made at the provider when there is none.
    Called outside any transaction (the provider is asked)."""
    existing = (
        ProviderCustomer.objects.filter(user=user, provider=provider.name)
        .values_list("reference", flat=True)
        .first()
    )
    if existing:
        return existing
    # The key is the learner's: two first payments at once get the same customer from
    # the provider, and the unique constraint keeps one row of it.
    reference = provider.customer_create(
        learner_ref=str(user.pk), email=getattr(user, "email", "") or "", idempotency_key=f"learner-{user.pk}"
    )
    try:
        record, _created = ProviderCustomer.objects.get_or_create(
            user=user, provider=provider.name, defaults={"reference": reference}
        )
    except IntegrityError:
        record = ProviderCustomer.objects.get(user=user, provider=provider.name)
    return record.reference


def order_saves_method(*, order: Order, provider: Provider, hosted_page: bool = False) -> bool:
    """A first payment whose method renewals will use: a renewing plan bought with a
    token (or on the provider's page, ``hosted_page``, where the method is typed), through
    a provider that keeps methods on a customer."""
    return bool(
        provider.saves_methods
        and (order.payment_method or hosted_page)
        and not order.subscription_period_id
        and order.lines.filter(plan__renews=True).exists()
    )
