from django.apps import AppConfig


class PollsConfig(AppConfig):
    name = "carecircle.polls"
    label = "polls"
    verbose_name = "Polls"
