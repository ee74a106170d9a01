from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "carecircle.api"
    label = "api"
    verbose_name = "API"
