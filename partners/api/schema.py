"""OpenAPI description of the partner API's ``Authorization: Api-Key <key>`` scheme.
Imported by ``PartnersConfig.ready`` so drf-spectacular finds it."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "partners.api.auth.ApiKeyAuthentication"
    name = "PartnerApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "Partner API key issued in the partner portal, sent as `Authorization: Api-Key <key>`. "
                "Keys carry scopes (`customers:write`, `campaigns:write`, `metrics:read`) and are "
                "throttled per key."
            ),
        }
