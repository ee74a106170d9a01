from django.urls import path

from carecircle.privacy import views

urlpatterns = [
    path("", views.privacy_home, name="privacy_home"),
    path("terms/", views.policy_terms, name="policy_terms"),
    path("policy/", views.policy_privacy, name="policy_privacy"),
    path("documents/<slug:kind>/", views.policy_optional, name="policy_optional"),
    path("updates/", views.policy_updates, name="policy_updates"),
    path("consents/", views.my_consents, name="my_consents"),
    path("consents/<int:document_id>/give", views.consent_give, name="consent_give"),
    path("consents/<int:document_id>/withdraw", views.consent_withdraw, name="consent_withdraw"),
    path("export/", views.data_export, name="data_export"),
    path("export/<int:export_id>/download/", views.export_download, name="export_download"),
    path("delete/", views.account_delete, name="account_delete"),
    path("deleted/", views.account_deleted, name="account_deleted"),
    path("activity/", views.activity, name="privacy_activity"),
    path("audit-log/", views.audit_log, name="audit_log"),
    path("members/<str:handle>/memorial/", views.member_memorial, name="member_memorial"),
]
