from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "carecircle.engagement"
    label = "engagement"
    verbose_name = "Onboarding and recognition"
