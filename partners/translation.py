from modeltranslation.translator import TranslationOptions, register

from .models import ConsentText, Partner


@register(Partner)
class PartnerTranslation(TranslationOptions):
    fields = ("name", "description")
    required_languages = ("en",)


@register(ConsentText)
class ConsentTextTranslation(TranslationOptions):
    fields = ("body",)
    required_languages = ("en",)
