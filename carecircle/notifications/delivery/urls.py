"""Delivery pages: one-click unsubscribe, push devices and the service worker."""

from django.urls import path

from carecircle.notifications.delivery import views

urlpatterns = [
    path(
        "notifications/unsubscribe/<str:token>/",
        views.notification_unsubscribe,
        name="notification_unsubscribe",
    ),
    path(
        "notifications/push-devices/remove/",
        views.push_device_remove,
        name="push_device_remove",
    ),
    path("sw.js", views.service_worker, name="service_worker"),
]
