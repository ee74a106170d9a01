"""factory_boy factories shared by every app's tests."""

from __future__ import annotations

from typing import Any

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.communities.models import Community, GuidelinesAcceptance, Membership
from carecircle.core.markdown import render_markdown
from carecircle.discussions.models import Post, Topic

PASSWORD = "correct horse battery staple"  # noqa: S105 - test credential


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Member {n}")
    handle = factory.Sequence(lambda n: f"member{n}")

    @factory.post_generation
    def password(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    name = factory.Sequence(lambda n: f"Community {n}")
    slug = factory.Sequence(lambda n: f"community-{n}")
    description = "A place to talk."
    guidelines = "Be kind."
    kind = Community.Kind.CONDITION
    visibility = Community.Visibility.PUBLIC


def make_member(community: Community, user: User, role: str = Membership.Role.MEMBER) -> Membership:
    """Add `user` to `community` directly (test set-up, not the action under test)."""
    GuidelinesAcceptance.objects.create(
        community=community, user=user, guidelines_version=community.guidelines_version
    )
    membership = Membership.objects.create(
        community=community,
        user=user,
        role=role,
        guidelines_version=community.guidelines_version,
        guidelines_accepted_at=timezone.now(),
    )
    Community.objects.filter(pk=community.pk).update(member_count=community.member_count + 1)
    community.member_count += 1
    return membership


def make_topic(
    community: Community,
    author: User,
    *,
    title: str = "A topic title",
    body: str = "First post body",
    replies: int = 0,
    **fields: Any,
) -> Topic:
    """A topic with its first post and `replies` replies, inserted directly."""
    now = timezone.now()
    topic = Topic.objects.create(
        community=community,
        author=author,
        title=title,
        last_posted_at=now,
        last_poster=author,
        reply_count=replies,
        **fields,
    )
    Post.objects.bulk_create(
        [
            Post(
                topic=topic,
                author=author,
                position=position,
                body=body if position == 1 else f"Reply {position}",
                body_html=render_markdown(body if position == 1 else f"Reply {position}"),
            )
            for position in range(1, replies + 2)
        ]
    )
    return topic
