from django.db import models
from django.db.models.functions import Round


def index_where_set(field: str, name: str) -> models.Index:
    """An index of a nullable column over only the rows where it is set.

    For the foreign keys most rows leave empty (an order line's bundle, a ledger entry's
    refund): a plain index takes an entry for every row written, NULL or not, and the
    tables on a checkout's path are written at every sale. A lookup ``col = x`` or
    ``col IN (...)`` still uses it, generic plans of prepared statements too: PostgreSQL
    proves ``col IS NOT NULL`` from any strict comparison."""
    return models.Index(fields=[field], condition=models.Q(**{f"{field}__isnull": False}), name=name)


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ClosedRecord(models.Model):
    """Rows that are written once (statements: a closed period reads the same forever):
    saving an existing row or deleting one raises."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError(f"{type(self).__name__} rows are closed and cannot change")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{type(self).__name__} rows are closed and cannot be deleted")


def balances_add_up(name: str) -> models.CheckConstraint:
    """A statement's closing balance is its opening balance + earned + reversed (negative) -
    paid out, to the cent. Rounded: exact on PostgreSQL anyway, but SQLite (the first-run
    default) adds decimals as floats, and 0 + 8507.63 - 322.07 is not 8185.56 there."""
    return models.CheckConstraint(
        condition=models.Q(
            closing_balance=Round(
                models.F("opening_balance")
                + models.F("earned")
                + models.F("reversed")
                - models.F("paid_out"),
                2,
            )
        ),
        name=name,
    )


class OutboxMessage(TimeStampedModel):
    """A side effect (an e-mail, a metrics ping, a partner event) written in the same
    transaction as the change that causes it, and delivered after the commit by
    ``core.outbox``. The sale never waits for it, and a broker or mail outage only delays
    it: the row stays until a handler succeeds (retried with backoff)."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SENT = "sent", "sent"
        # Gave up after ``OUTBOX_MAX_ATTEMPTS``: kept for staff to look at and retry.
        FAILED = "failed", "failed"

    topic = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    # One message per effect: writing the same key twice is a no-op (a rerun of the
    # service that wrote it, a duplicate webhook). Unique by a constraint (Meta), not
    # ``unique=True``: on PostgreSQL that adds a LIKE index every sale's receipt writes.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    available_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["available_at"],
                condition=models.Q(status="pending"),
                name="outbox_pending_due",
            )
        ]
        constraints = [models.UniqueConstraint(fields=["dedupe_key"], name="outbox_dedupe_key_unique")]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk} ({self.status})"
