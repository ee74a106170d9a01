"""Onboarding, community welcome messages and badges."""

from django.urls import path

from carecircle.engagement import views

urlpatterns = [
    path("welcome/", views.onboarding, name="onboarding"),
    path("welcome/why/", views.onboarding_roles, name="onboarding_roles"),
    path("welcome/communities/", views.onboarding_communities, name="onboarding_communities"),
    path("welcome/privacy/", views.onboarding_privacy, name="onboarding_privacy"),
    path("welcome/notifications/", views.onboarding_notifications, name="onboarding_notifications"),
    path("welcome/introduce/", views.onboarding_introduction, name="onboarding_introduction"),
    path("welcome/done/", views.onboarding_done, name="onboarding_done"),
    path("welcome/skip/", views.onboarding_skip, name="onboarding_skip"),
    path("c/<slug:slug>/welcome/", views.community_welcome, name="community_welcome"),
    path(
        "c/<slug:slug>/welcome-message/",
        views.community_welcome_message,
        name="community_welcome_message",
    ),
]
