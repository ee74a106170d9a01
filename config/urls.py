from django.contrib import admin
from django.urls import include, path

from carecircle.accounts import views as account_views
from carecircle.api.api import api
from carecircle.communities import views as community_views
from carecircle.core import views as core_views
from carecircle.discussions import views as discussion_views

urlpatterns = [
    path("", community_views.home, name="home"),
    path("health/", core_views.health, name="health"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("carecircle.notifications.urls")),
    path("", include("carecircle.notifications.delivery.urls")),
    path("", include("carecircle.engagement.urls")),
    path("", include("carecircle.search.urls")),
    path("", include("carecircle.search.related_urls")),
    path("journal/", include("carecircle.journal.urls")),
    path("", include("carecircle.accounts.urls")),
    path("", include("carecircle.uploads.urls")),
    path("", include("carecircle.polls.urls")),
    path("", include("carecircle.bookmarks.urls")),
    path("", include("carecircle.resources.urls")),
    path("account/", account_views.account_settings, name="account_settings"),
    path("account/tokens/", account_views.api_tokens, name="api_tokens"),
    path(
        "account/tokens/<int:token_id>/revoke/",
        account_views.api_token_revoke,
        name="api_token_revoke",
    ),
    path("account/profile/", account_views.profile_edit, name="profile_edit"),
    path("account/profile/preview/", account_views.profile_preview, name="profile_preview"),
    path("members/<str:handle>/", account_views.member_profile, name="member_profile"),
    path("members/<str:handle>/avatar", account_views.member_avatar, name="member_avatar"),
    path("communities/", community_views.community_list, name="community_list"),
    path("communities/new/", community_views.community_create, name="community_create"),
    path("c/<slug:slug>/", community_views.community_detail, name="community_detail"),
    path("c/<slug:slug>/edit/", community_views.community_edit, name="community_edit"),
    path("c/<slug:slug>/join/", community_views.community_join, name="community_join"),
    path("c/<slug:slug>/leave/", community_views.community_leave, name="community_leave"),
    path(
        "c/<slug:slug>/guidelines/",
        community_views.community_guidelines,
        name="community_guidelines",
    ),
    path("c/<slug:slug>/members/", community_views.community_members, name="community_members"),
    path("c/<slug:slug>/new-topic/", discussion_views.topic_create, name="topic_create"),
    path("t/<int:topic_id>/", discussion_views.topic_detail, name="topic_detail_short"),
    path("t/<int:topic_id>/<slug:slug>/", discussion_views.topic_detail, name="topic_detail"),
    path("t/<int:topic_id>/reply", discussion_views.topic_reply, name="topic_reply"),
    path(
        "t/<int:topic_id>/posts/after/<int:post_id>/",
        discussion_views.topic_posts_after,
        name="topic_posts_after",
    ),
    path(
        "t/<int:topic_id>/moderate",
        discussion_views.topic_moderate,
        name="topic_moderate",
    ),
    path("p/<int:post_id>/", discussion_views.post_permalink, name="post_permalink"),
    path("p/<int:post_id>/edit/", discussion_views.post_edit, name="post_edit"),
    path("p/<int:post_id>/delete/", discussion_views.post_delete, name="post_delete"),
    path("p/<int:post_id>/restore", discussion_views.post_restore, name="post_restore"),
    path("p/<int:post_id>/history/", discussion_views.post_history, name="post_history"),
    path("p/<int:post_id>/fragment/", discussion_views.post_fragment, name="post_fragment"),
    path(
        "p/<int:post_id>/reveal-author/",
        discussion_views.post_reveal_author,
        name="post_reveal_author",
    ),
    path("p/<int:post_id>/react", discussion_views.post_react, name="post_react"),
    path("p/<int:post_id>/accept", discussion_views.post_accept, name="post_accept"),
    path("drafts/save", discussion_views.draft_save, name="draft_save"),
    path("account/privacy/", include("carecircle.privacy.urls")),
    path("account/sign-in/", include("carecircle.signin.urls")),
    path("account/caregivers/", include("carecircle.caregivers.urls")),
    path("", include("carecircle.messaging.urls")),
    path("", include("carecircle.moderation.urls")),
    path("api/v1/", api.urls),
]

# Error pages that give their database connection back (see carecircle/core/connections.py).
handler400 = "carecircle.core.connections.bad_request"
handler403 = "carecircle.core.connections.permission_denied"
handler404 = "carecircle.core.connections.page_not_found"
handler500 = "carecircle.core.connections.server_error"
