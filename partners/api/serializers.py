"""Shapes of the partner API's customer calls; rules live in partners.services."""

from rest_framework import serializers

from partners.models import PartnerCustomer


class CustomerInSerializer(serializers.Serializer):
    external_id = serializers.CharField(
        max_length=256,
        help_text=(
            "Your pseudonymous id for the customer (for example an HMAC of a normalised e-mail "
            "address made with your own key). Never a raw e-mail address or phone number."
        ),
    )
    interests = serializers.ListField(
        child=serializers.CharField(max_length=80), required=False, default=list, help_text="Category slugs."
    )
    country = serializers.CharField(required=False, allow_blank=True, default="", max_length=8)
    language = serializers.CharField(required=False, allow_blank=True, default="", max_length=10)
    # Optional in the shape so a missing consent gets the specific code consent_required.
    consent = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Must be true: the customer agreed to share."
    )


class CustomerPushSerializer(serializers.Serializer):
    customers = CustomerInSerializer(many=True, allow_empty=False, max_length=1000)


class CustomerPushResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class CustomerOutSerializer(serializers.ModelSerializer):
    customer_hash = serializers.CharField(
        source="external_hash", help_text="Your id, hashed with our secret."
    )

    class Meta:
        model = PartnerCustomer
        fields = ["customer_hash", "interests", "country", "language", "consent_at", "updated_at"]
        read_only_fields = fields
