from django.urls import URLPattern, path

from carecircle.polls import views

urlpatterns: list[URLPattern] = [
    path("polls/<int:poll_id>/vote", views.poll_vote, name="poll_vote"),
    path("polls/<int:poll_id>/retract", views.poll_retract, name="poll_retract"),
    path("polls/<int:poll_id>/close", views.poll_close, name="poll_close"),
    path("polls/<int:poll_id>/voters/", views.poll_voters, name="poll_voters"),
]
