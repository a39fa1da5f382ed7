from modeltranslation.translator import TranslationOptions, register

from .models import Campaign, Variant


@register(Campaign)
class CampaignTranslation(TranslationOptions):
    fields = ("name", "headline", "body", "call_to_action")
    required_languages = ("en",)


@register(Variant)
class VariantTranslation(TranslationOptions):
    fields = ("headline",)
