"""Every model that points to a member is exported or excluded on purpose."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models

from carecircle.privacy.registry import REGISTRY, exclude, register, uncovered_models


def test_every_model_referencing_the_user_is_exported_or_excluded():
    # To fix a failure: register the model in your app's privacy_export.py (docs/privacy.md).
    assert uncovered_models() == [], "not in the privacy export registry"


def test_every_exclusion_says_why():
    for entry in REGISTRY.values():
        if entry.is_excluded:
            assert len(entry.excluded_reason) > 20, entry.label


def test_an_unregistered_model_referencing_the_user_is_reported():
    class Diary(models.Model):  # noqa: DJ008
        owner = models.ForeignKey("accounts.User", on_delete=models.CASCADE)

        class Meta:
            app_label = "privacy"

    try:
        candidates = [apps.get_model("discussions", "Draft"), Diary]
        assert uncovered_models(candidates) == ["privacy.Diary"]
        register(Diary, name="diary", fields=["owner"])
        assert uncovered_models(candidates) == []
    finally:
        REGISTRY.pop("privacy.diary", None)
        apps.all_models["privacy"].pop("diary", None)
        apps.clear_cache()


def test_an_app_registration_replaces_the_fallback_and_twice_is_an_error():
    before = REGISTRY["discussions.draft"]
    try:
        mine = register("discussions.Draft", name="my_drafts", fields=["key"])
        assert REGISTRY["discussions.draft"] is mine
        assert register("discussions.Draft", name="x", default=True) is mine
        with pytest.raises(ValueError, match="twice"):
            register("discussions.Draft", name="again")
    finally:
        REGISTRY["discussions.draft"] = before


def test_an_exclusion_needs_a_reason():
    with pytest.raises(ValueError, match="reason"):
        exclude("discussions.Draft", reason="  ")
