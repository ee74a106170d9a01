from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "carecircle.discussions"
    label = "discussions"
    verbose_name = "Discussions"
