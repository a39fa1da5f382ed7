from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import ModelVersion, Segment, SegmentCourse
from .reasons import describe_segment


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "created_at",
        "algorithm",
        "status",
        "is_active",
        "validation_ndcg",
        "n_users",
        "n_items",
        "n_interactions",
        "duration_seconds",
    ]
    list_filter = ["status", "is_active", "algorithm"]
    readonly_fields = [field.name for field in ModelVersion._meta.fields]

    @admin.display(description=_("validation nDCG@10"))
    def validation_ndcg(self, obj: ModelVersion):
        return obj.ndcg

    def has_add_permission(self, request) -> bool:
        return False


class SegmentCourseInline(admin.TabularInline):
    model = SegmentCourse
    extra = 0
    fields = ["rank", "course", "score"]
    readonly_fields = fields
    can_delete = False


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    """Segments of every version; learners are shown only as a count."""

    list_display = ["number", "readable_description", "size", "dominant_level", "model_version"]
    list_filter = ["model_version__is_active", "dominant_level"]
    readonly_fields = ["model_version", "number", "size", "profile", "dominant_level", "readable_description"]
    exclude = ["description"]
    inlines = [SegmentCourseInline]
    list_select_related = ["model_version"]

    @admin.display(description=_("description"))
    def readable_description(self, obj: Segment) -> str:
        return describe_segment(obj.profile, obj.dominant_level)

    def has_add_permission(self, request) -> bool:
        return False
