from django.contrib import admin

from carecircle.privacy.actions import publish_policy_document
from carecircle.privacy.models import PolicyDocument


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Site admins publish a new version by adding a document with the next version number."""

    list_display = ("kind", "version", "title", "published_at")
    list_filter = ("kind",)
    ordering = ("kind", "-version")

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # A published version was accepted by members as it stood: it is never edited after.
        if obj is not None and obj.published_at is not None:
            return ("kind", "version", "title", "summary", "body", "published_at")
        return ()

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        publish_policy_document(actor=request.user, document=obj)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return obj is None or obj.published_at is None
