from django.urls import URLPattern, path

from carecircle.uploads import views

urlpatterns: list[URLPattern] = [
    path("uploads/", views.upload_create, name="upload_create"),
    path("uploads/<int:upload_id>/captions", views.upload_captions, name="upload_captions"),
    path("uploads/<int:upload_id>/<str:variant>", views.upload_file, name="upload_file"),
    path("account/uploads/", views.my_uploads, name="my_uploads"),
    path("account/uploads/<int:upload_id>/delete", views.upload_delete, name="upload_delete"),
]
