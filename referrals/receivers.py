"""Signal receivers: each hands over to a service at once."""

from django.dispatch import receiver

from commerce.signals import refund_succeeded

from .services import commissions_reverse_for_refund


@receiver(refund_succeeded, dispatch_uid="referrals_reverse_commissions")
def reverse_commissions(sender, refund, **kwargs):
    # Inside the refund's transaction: the reversal commits with it or not at all.
    commissions_reverse_for_refund(refund_id=refund.pk)
