from django.urls import path

from carecircle.signin import views

urlpatterns = [
    path("", views.signin_sessions, name="signin_sessions"),
    path(
        "sessions/<int:session_id>/sign-out",
        views.signin_session_revoke,
        name="signin_session_revoke",
    ),
    path(
        "sessions/sign-out-others",
        views.signin_sessions_revoke_others,
        name="signin_sessions_revoke_others",
    ),
]
