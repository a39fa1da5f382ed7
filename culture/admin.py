from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin

from .models import ReviewSentiment, SentimentAlert, SentimentModelRun, Theme, ThemeProposal
from .services import theme_proposals_decide


@admin.register(Theme)
class ThemeAdmin(TranslationAdmin):
    list_display = ("name", "slug", "rank", "accepted_courses")
    search_fields = ("slug", "name")
    readonly_fields = ("phrases", "rank")

    def get_queryset(self, request):
        from django.db.models import Count, Q

        return (
            super()
            .get_queryset(request)
            .annotate(_accepted=Count("proposals", filter=Q(proposals__status=ThemeProposal.Status.ACCEPTED)))
        )

    @admin.display(description=_("accepted courses"), ordering="_accepted")
    def accepted_courses(self, obj) -> int:
        return obj._accepted


def _decide(modeladmin, request, queryset, status: str) -> None:
    changed = theme_proposals_decide(proposal_ids=list(queryset.values_list("pk", flat=True)), status=status)
    modeladmin.message_user(
        request,
        ngettext("%(count)d proposal changed.", "%(count)d proposals changed.", changed) % {"count": changed},
        messages.SUCCESS,
    )


@admin.action(description=_("Accept the selected theme proposals"))
def accept_proposals(modeladmin, request, queryset):
    _decide(modeladmin, request, queryset, ThemeProposal.Status.ACCEPTED)


@admin.action(description=_("Reject the selected theme proposals"))
def reject_proposals(modeladmin, request, queryset):
    _decide(modeladmin, request, queryset, ThemeProposal.Status.REJECTED)


@admin.register(ThemeProposal)
class ThemeProposalAdmin(admin.ModelAdmin):
    list_display = ("course", "theme", "score", "status", "decided_at")
    list_filter = ("status", "theme")
    list_select_related = ("course", "theme")
    search_fields = ("course__slug", "theme__slug")
    actions = [accept_proposals, reject_proposals]
    readonly_fields = ("course", "theme", "score", "decided_at")


@admin.register(SentimentAlert)
class SentimentAlertAdmin(admin.ModelAdmin):
    list_display = ("day", "course", "recent_reviews", "recent_negative", "recent_share", "baseline_share")
    list_select_related = ("course",)
    date_hierarchy = "day"
    readonly_fields = [field.name for field in SentimentAlert._meta.fields]


@admin.register(SentimentModelRun)
class SentimentModelRunAdmin(admin.ModelAdmin):
    list_display = ("created_at", "n_train", "n_test")
    readonly_fields = ("created_at", "n_train", "n_test", "metrics")


@admin.register(ReviewSentiment)
class ReviewSentimentAdmin(admin.ModelAdmin):
    list_display = ("review", "label", "positive_probability", "scored_at")
    list_filter = ("label",)
    raw_id_fields = ("review",)
