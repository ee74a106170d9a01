"""Moderation pages; included at the site root by config/urls.py."""

from django.urls import path

from carecircle.moderation import (
    context_processors,  # noqa: F401 - connects its sign-in receiver
    views,
)

urlpatterns = [
    path("report/<str:kind>/<int:target_id>/", views.report_create, name="report_create"),
    path("moderation/", views.moderation_home, name="moderation_home"),
    path("moderation/site/", views.moderation_site_queue, name="moderation_site_queue"),
    path("moderation/items/<int:item_id>/", views.moderation_item, name="moderation_item"),
    path("moderation/log/", views.moderation_log, name="moderation_log"),
    path("moderation/watched-words/", views.site_watched_words, name="site_watched_words"),
    path("moderation/crisis-resources/", views.crisis_resources, name="crisis_resources"),
    path("c/<slug:slug>/moderation/", views.moderation_queue, name="moderation_queue"),
    path("c/<slug:slug>/moderation/log/", views.moderation_log, name="moderation_log"),
    path(
        "c/<slug:slug>/moderation/settings/",
        views.moderation_settings,
        name="moderation_settings",
    ),
    path("members/<str:handle>/moderation/", views.member_moderation, name="member_moderation"),
    path("account/moderation/", views.my_moderation_notices, name="my_moderation_notices"),
    path(
        "account/moderation/<int:action_id>/appeal/",
        views.appeal_create,
        name="appeal_create",
    ),
]
