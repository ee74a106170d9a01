from django.urls import path

from carecircle.caregivers import views

urlpatterns = [
    path("", views.caregiver_links, name="caregiver_links"),
    path("request/", views.caregiver_link_request, name="caregiver_link_request"),
    path("<int:link_id>/answer/", views.caregiver_link_answer, name="caregiver_link_answer"),
    path("<int:link_id>/sharing/", views.caregiver_link_sharing, name="caregiver_link_sharing"),
    path("<int:link_id>/end/", views.caregiver_link_end, name="caregiver_link_end"),
]
