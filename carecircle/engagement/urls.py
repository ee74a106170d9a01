"""Onboarding, community welcome messages and badges."""

urlpatterns: list = []
