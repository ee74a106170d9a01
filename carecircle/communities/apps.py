from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "carecircle.communities"
    label = "communities"
    verbose_name = "Communities"
