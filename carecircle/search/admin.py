"""Synonym groups in the Django admin, for site administrators only.

Saving, switching and deleting go through the synonym actions (checked, audited, and the
cached groups of this process forgotten, so the next search uses the change; other processes
see it within a minute). Switch a group off rather than deleting it: `load_synonyms` brings
deleted groups of the synonyms file back.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from carecircle.core.errors import ValidationFailed
from carecircle.search.models import SynonymGroup
from carecircle.search.synonyms import (
    can_edit_synonyms,
    delete_synonym_groups,
    parse_terms,
    save_synonym_group,
    set_synonym_groups_active,
)


class SynonymGroupForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = SynonymGroup
        fields = ("terms", "category", "is_active")
        widgets = {"terms": forms.Textarea(attrs={"rows": 3})}

    def clean_terms(self) -> str:
        try:
            terms = parse_terms(self.cleaned_data["terms"])
        except ValidationFailed as error:
            raise forms.ValidationError(error.message, code=error.code) from error
        return ", ".join(terms)


@admin.register(SynonymGroup)
class SynonymGroupAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = SynonymGroupForm
    fields = ("terms", "category", "is_active", "updated_at")
    readonly_fields = ("updated_at",)
    list_display = ("terms", "category", "is_active", "updated_at")
    list_filter = ("category", "is_active")
    search_fields = ("terms",)
    list_per_page = 100
    actions = ("use_groups", "stop_using_groups")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_edit_synonyms(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_edit_synonyms(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return can_edit_synonyms(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_edit_synonyms(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_edit_synonyms(request.user)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        save_synonym_group(actor=request.user, group=obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        delete_synonym_groups(actor=request.user, group_ids=[obj.pk])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[SynonymGroup]) -> None:
        delete_synonym_groups(
            actor=request.user, group_ids=list(queryset.values_list("pk", flat=True))
        )

    def _set_active(
        self, request: HttpRequest, queryset: QuerySet[SynonymGroup], *, is_active: bool
    ) -> None:
        changed = set_synonym_groups_active(
            actor=request.user,
            group_ids=list(queryset.values_list("pk", flat=True)),
            is_active=is_active,
        )
        if is_active:
            message = ngettext(
                "%(count)d group is now used in searches.",
                "%(count)d groups are now used in searches.",
                changed,
            )
        else:
            message = ngettext(
                "%(count)d group is no longer used in searches.",
                "%(count)d groups are no longer used in searches.",
                changed,
            )
        self.message_user(request, message % {"count": changed}, messages.SUCCESS)

    @admin.action(description=_("Use the selected groups in searches"))
    def use_groups(self, request: HttpRequest, queryset: QuerySet[SynonymGroup]) -> None:
        self._set_active(request, queryset, is_active=True)

    @admin.action(description=_("Stop using the selected groups in searches"))
    def stop_using_groups(self, request: HttpRequest, queryset: QuerySet[SynonymGroup]) -> None:
        self._set_active(request, queryset, is_active=False)
