from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "carecircle.resources"
    label = "resources"
    verbose_name = "Resource library"
