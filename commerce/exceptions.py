"""Stable error codes of checkout, payments and refunds (clients switch on ``code``)."""

from django.utils.translation import gettext_lazy as _

from core.exceptions import ApplicationError, Conflict, NotFound


class EmptyCart(ApplicationError):
    code = "empty_cart"

    def default_message(self):
        return _("Your cart is empty.")


class CourseNotAvailable(NotFound):
    code = "course_not_found"

    def default_message(self):
        return _("This course does not exist or is not on sale.")


class LiveSessionNotAvailable(NotFound):
    code = "live_session_not_found"

    def default_message(self):
        return _("This live session does not exist.")


class LiveSessionRequired(ApplicationError):
    code = "live_session_required"

    def default_message(self):
        return _("Choose a live session for this live class.")


class AlreadyEnrolled(Conflict):
    code = "already_enrolled"

    def default_message(self):
        return _("You are already enrolled in this course.")


class CurrencyNotAvailable(ApplicationError):
    code = "currency_not_available"

    def default_message(self):
        return _("This course is not sold in this currency.")


class DuplicateItem(ApplicationError):
    code = "duplicate_item"

    def default_message(self):
        return _("The same course appears twice in your order.")


class TooManyItems(ApplicationError):
    code = "too_many_items"

    def default_message(self):
        return _("Too many courses in one order.")


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"

    def default_message(self):
        return _("This Idempotency-Key was already used for a different request.")


class InvalidIdempotencyKey(ApplicationError):
    code = "invalid_idempotency_key"

    def default_message(self):
        return _("The Idempotency-Key header must be 1 to 255 printable characters.")


class PaymentProviderNotAvailable(ApplicationError):
    code = "provider_not_available"

    def default_message(self):
        return _("This payment method is not available.")


class PaymentDeclined(ApplicationError):
    code = "payment_declined"
    status_code = 402

    def default_message(self):
        return _("Your payment was declined. Nothing was charged; try another payment method.")


class PaymentProviderError(ApplicationError):
    """The provider could not be reached or answered nonsense: the checkout is rolled
    back and can be retried with the same Idempotency-Key."""

    code = "payment_provider_error"
    status_code = 502

    def default_message(self):
        return _("The payment service did not answer. Nothing was charged; please try again.")


class PaymentOutcomeUnknown(PaymentProviderError):
    """The provider timed out or failed after the request may have reached it: the order
    is kept pending, a retry of the same request asks the provider again with the same
    idempotency key (never a second charge), and the reconciler settles it otherwise."""

    code = "payment_outcome_unknown"

    def default_message(self):
        return _(
            "The payment service did not answer in time. Your order is kept: try again and "
            "you will not be charged twice, or check your orders in a few minutes."
        )


class CheckoutExpired(Conflict):
    code = "checkout_expired"

    def default_message(self):
        return _("This checkout expired before it was paid. Start a new checkout.")


class InvalidWebhookSignature(ApplicationError):
    code = "invalid_signature"

    def default_message(self):
        return _("The webhook signature is missing or wrong.")


class InvalidWebhookPayload(ApplicationError):
    code = "invalid_payload"

    def default_message(self):
        return _("The webhook body is not a valid event.")


class WebhookPaymentNotFound(Conflict):
    """A success or failure for a payment no order knows (yet): the checkout that made it
    may still be committing. The event is not recorded and the answer is not a 2xx, so
    the provider delivers it again later instead of it being lost."""

    code = "payment_not_found"

    def default_message(self):
        return _("No order is known for this payment yet; send the event again later.")


class OrderNotFound(NotFound):
    code = "order_not_found"

    def default_message(self):
        return _("This order does not exist.")


class InvalidRefundAmount(ApplicationError):
    code = "invalid_refund_amount"

    def default_message(self):
        return _("A refund is a positive amount no larger than what is left to refund.")


class OrderNotRefundable(Conflict):
    code = "order_not_refundable"

    def default_message(self):
        return _("Only paid orders can be refunded.")


class DiscountCodeInvalid(ApplicationError):
    code = "code_invalid"

    def default_message(self):
        return _("This discount code is not valid.")


class WebhookAmountMismatch(ApplicationError):
    """A provider says a payment succeeded for another amount or currency than the
    order's: nothing is paid or recorded, and staff are told by the error log."""

    code = "amount_mismatch"

    def default_message(self):
        return _("The amount paid does not match the order.")


class SubscriptionNotFound(NotFound):
    code = "subscription_not_found"

    def default_message(self):
        return _("This membership does not exist.")


class AlreadySubscribed(ApplicationError):
    code = "already_subscribed"
    status_code = 409

    def default_message(self):
        return _("You already have this membership.")


class SubscriptionNotResumable(Conflict):
    code = "subscription_not_resumable"

    def default_message(self):
        return _("This membership can no longer be resumed.")
