from django.apps import AppConfig


class CaregiversConfig(AppConfig):
    name = "carecircle.caregivers"
    label = "caregivers"
    verbose_name = "Caregivers"
