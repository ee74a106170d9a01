"""What a data export holds, model by model, and which models are deliberately left out.

Every model with a ForeignKey, OneToOneField or ManyToManyField to the user model must appear
here, either with a way to export it or with the reason it is excluded; a test fails for any
model that is neither (see docs/privacy.md, "Data export").

An app registers its models in a module named `privacy_export.py`, found automatically when
the privacy app starts:

    from carecircle.privacy.registry import exclude, register

    register("caregivers.CareLink", name="care_links", fields=["created_at", "role"])
    exclude("signin.LoginAttempt", reason="Security log kept 30 days; holds no member text.")

By default the rows are the ones whose user fields point to the member, and every listed field
is written out (encrypted fields are decrypted, other members appear by display name). Pass
`export=` for anything more particular, `files=` to put files in the ZIP, and `erase=` for an
extra step when the member's account is erased (rows that cascade need none).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q

Row = dict[str, Any]
Exporter = Callable[[Any], Iterable[Row]]
FileLister = Callable[[Any], Iterable[tuple[str, Path]]]
Eraser = Callable[[Any, bool], None]


@dataclass
class ExportEntry:
    """How one model's rows about a member are exported, or why they are not."""

    label: str
    name: str = ""
    fields: list[str] = field(default_factory=list)
    user_fields: list[str] = field(default_factory=list)
    export: Exporter | None = None
    files: FileLister | None = None
    erase: Eraser | None = None
    excluded_reason: str = ""
    is_default: bool = False

    @property
    def is_excluded(self) -> bool:
        return bool(self.excluded_reason)

    @property
    def model(self) -> type[models.Model] | None:
        try:
            return apps.get_model(self.label)
        except LookupError:
            return None

    def rows(self, member: Any) -> list[Row]:
        if self.export is not None:
            return list(self.export(member))
        model = self.model
        if model is None:
            return []
        return [
            serialise(obj, self.fields, member) for obj in rows_for(model, member, self.user_fields)
        ]


REGISTRY: dict[str, ExportEntry] = {}


def _label(model: str | type[models.Model]) -> str:
    if isinstance(model, str):
        app_label, _dot, name = model.partition(".")
        return f"{app_label}.{name}".lower()
    return model._meta.label_lower


def _add(entry: ExportEntry) -> ExportEntry:
    existing = REGISTRY.get(entry.label)
    if existing is not None and not existing.is_default and not entry.is_default:
        raise ValueError(f"{entry.label} is registered for privacy export twice")
    if existing is not None and entry.is_default and not existing.is_default:
        return existing  # the app's own registration wins over the privacy app's fallback
    REGISTRY[entry.label] = entry
    return entry


def register(
    model: str | type[models.Model],
    *,
    name: str = "",
    fields: list[str] | None = None,
    user_fields: list[str] | None = None,
    export: Exporter | None = None,
    files: FileLister | None = None,
    erase: Eraser | None = None,
    default: bool = False,
) -> ExportEntry:
    """Export `model` as `<name>.json` in every member's data export."""
    label = _label(model)
    return _add(
        ExportEntry(
            label=label,
            name=name or label.replace(".", "_"),
            fields=list(fields or []),
            user_fields=list(user_fields or []),
            export=export,
            files=files,
            erase=erase,
            is_default=default,
        )
    )


def exclude(
    model: str | type[models.Model],
    *,
    reason: str,
    erase: Eraser | None = None,
    default: bool = False,
) -> ExportEntry:
    """Leave `model` out of exports, for `reason` (written for the people reading the code)."""
    if not reason.strip():
        raise ValueError("An exclusion needs a reason")
    return _add(
        ExportEntry(label=_label(model), excluded_reason=reason, erase=erase, is_default=default)
    )


def user_relations(model: type[models.Model]) -> list[str]:
    """Names of `model`'s own fields that point to the user model."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    return [
        f.name
        for f in model._meta.get_fields()
        if f.concrete and f.is_relation and f.related_model is user_model
    ] + [f.name for f in model._meta.many_to_many if f.related_model is user_model]


def models_referencing_user(
    candidates: Iterable[type[models.Model]] | None = None,
) -> Iterator[type[models.Model]]:
    for model in apps.get_models() if candidates is None else candidates:
        if user_relations(model):
            yield model


def uncovered_models(candidates: Iterable[type[models.Model]] | None = None) -> list[str]:
    """Labels of models that reference the user model and are neither exported nor excluded."""
    return sorted(
        model._meta.label
        for model in models_referencing_user(candidates)
        if model._meta.label_lower not in REGISTRY
    )


def exported_entries() -> list[ExportEntry]:
    return sorted(
        (e for e in REGISTRY.values() if not e.is_excluded and e.model is not None),
        key=lambda e: e.name,
    )


def erasers() -> list[Eraser]:
    return [e.erase for e in REGISTRY.values() if e.erase is not None and e.model is not None]


def rows_for(
    model: type[models.Model], member: Any, user_fields: list[str] | None = None
) -> models.QuerySet[Any]:
    names = user_fields or user_relations(model)
    condition = Q()
    for name in names:
        condition |= Q(**{name: member})
    return model._default_manager.filter(condition).order_by("pk")


def display_name(user: Any) -> str | None:
    """How another member appears in an export: by display name only, never email or id."""
    if user is None:
        return None
    return str(user.display_name)


def serialise(obj: models.Model, names: list[str], member: Any) -> Row:
    """The listed fields of `obj` as JSON-ready values; members appear by display name."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    row: Row = {}
    for name in names:
        model_field = obj._meta.get_field(name)
        if model_field.is_relation and model_field.related_model is user_model:
            other = getattr(obj, name)
            row[name] = (
                "you" if other is not None and other.pk == member.pk else display_name(other)
            )
        elif model_field.is_relation:
            row[name] = getattr(obj, model_field.attname)  # type: ignore[union-attr]
        else:
            row[name] = getattr(obj, name)
    return row
