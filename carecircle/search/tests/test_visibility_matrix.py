"""Search never shows what the searcher may not read: every searcher against every kind of item.

One world is built per module: three communities (public, members only, hidden), content in
each state a post can be in, profiles with a field at each visibility level, and searchers of
every kind. Each item holds one word nobody else uses; each cell searches that word as one
searcher and asserts the exact results. The stale-index tests change a source after it was
indexed and never reindex: the reload must still hide it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from carecircle.accounts.models import Profile, User, Visibility
from carecircle.communities.models import Community, Membership
from carecircle.core.factories import CommunityFactory, UserFactory, make_member
from carecircle.core.markdown import render_markdown
from carecircle.core.models import ModerationState
from carecircle.discussions import actions as discussion_actions
from carecircle.discussions.models import Post, Topic, TopicAlias
from carecircle.messaging.models import MemberBlock
from carecircle.search.embeddings import is_available as embeddings_available
from carecircle.search.queries import SearchFilters, SearchResults, search

SEARCHERS = (
    "visitor",  # not signed in
    "outsider",  # signed in, in no community
    "member",  # member of all three communities
    "other_member",  # member of the members-only community only
    "moderator",  # moderates all three communities
    "staff",  # site administrator, in no community
    "author",  # Ada, who wrote the content (and the anonymous posts)
    "blocker",  # member of all three communities who blocked Ada
)
EVERYONE = frozenset(SEARCHERS)
SIGNED_IN = EVERYONE - {"visitor"}
PUBLIC_READERS = EVERYONE - {"blocker"}  # the blocker never sees Ada's open writing
MEMBERS_ONLY_READERS = frozenset({"member", "other_member", "moderator", "staff", "author"})
HIDDEN_READERS = frozenset({"member", "moderator", "staff", "author"})
NOBODY: frozenset[str] = frozenset()
# Pia belongs to the public community: these searchers share a community with her.
SHARES_WITH_PIA = frozenset({"member", "moderator", "author", "blocker"})

# word -> (item, who finds it). Each word appears in that item only.
MATRIX: dict[str, tuple[str, frozenset[str]]] = {
    # Content in each community.
    "zqpubtopic": ("pub_topic", PUBLIC_READERS),
    "zqpubreply": ("pub_reply", PUBLIC_READERS),
    "zqmemtopic": ("mem_topic", MEMBERS_ONLY_READERS),
    "zqmemreply": ("mem_reply", MEMBERS_ONLY_READERS),
    "zqhidtopic": ("hid_topic", HIDDEN_READERS),
    "zqhidreply": ("hid_reply", HIDDEN_READERS),
    # Posts nobody may find: not even their author or a moderator (search lists only what
    # every reader of the community sees).
    "zqpendingtopic": ("pending_topic", NOBODY),
    "zqpendingreply": ("pending_reply", NOBODY),
    "zqheldtopic": ("hidden_topic", NOBODY),
    "zqheldreply": ("hidden_reply", NOBODY),
    "zqgonetopic": ("deleted_topic", NOBODY),
    "zqgonereply": ("deleted_reply", NOBODY),
    "zqgoneinside": ("reply_in_deleted_topic", NOBODY),
    # Anonymous writing has no open author, so a block cannot hide it (hiding it would tell
    # the blocker who wrote it).
    "zqanontopic": ("anon_topic", EVERYONE),
    "zqanonreply": ("anon_reply", EVERYONE),
    # Profiles: Pia shows one field at each level.
    "zqquorvel": ("pia", EVERYONE),  # her display name
    "zqbioeveryone": ("pia", EVERYONE),
    "zqinterestmembers": ("pia", SIGNED_IN),
    "zqstoryshared": ("pia", SHARES_WITH_PIA),
    "zqconditionprivate": ("pia", NOBODY),
    # A condition shown to everyone is findable (health words sit sealed in the index).
    "zqconditioneveryone": ("quinn", EVERYONE),
    "zqhiddenprofile": ("hal", NOBODY),
    "zqinactivebio": ("ina", NOBODY),
    "zqinactivename": ("ina", NOBODY),
    # Ada's own profile: the blocker never finds her (Ada finding herself is not asserted).
    "zqadabio": ("ada", EVERYONE - {"blocker", "author"}),
    # Communities: the hidden one's name only for its members and staff.
    "zqcommpub": ("community_pub", EVERYONE),
    "zqcommmem": ("community_mem", EVERYONE),
    "zqcommhid": ("community_hid", HIDDEN_READERS | {"blocker"}),
}


@dataclass
class World:
    searchers: dict[str, Any]
    items: dict[str, tuple[str, int]]  # item -> (result kind, object id)
    objects: dict[str, Any]


def _post(topic: Topic, position: int, author: User | None, body: str, **fields: Any) -> Post:
    return Post.objects.create(
        topic=topic,
        author=author,
        position=position,
        body=body,
        body_html=render_markdown(body),
        **fields,
    )


def _topic(
    community: Community,
    author: User | None,
    title: str,
    body: str,
    *,
    state: str = ModerationState.VISIBLE,
    alias_user: User | None = None,
    **fields: Any,
) -> Topic:
    topic = Topic.objects.create(
        community=community,
        author=author,
        title=title,
        last_posted_at=community.created_at,
        moderation_state=state,
        **fields,
    )
    alias = None
    if alias_user is not None:
        alias = TopicAlias.objects.create(topic=topic, user=alias_user, number=1)
        topic.author_alias = alias
        topic.save(update_fields=["author_alias"])
    _post(topic, 1, author, body, moderation_state=state, alias=alias)
    return topic


def _profile(user: User, levels: dict[str, str], **fields: Any) -> None:
    Profile.objects.update_or_create(user=user, defaults={"visibility": levels, **fields})


def _build_world() -> World:
    from carecircle.search.indexing import reindex_community, reindex_member, reindex_topic

    pub = CommunityFactory(name="Zqcommpub Friends", slug="zq-pub")
    mem = CommunityFactory(
        name="Zqcommmem Circle", slug="zq-mem", visibility=Community.Visibility.MEMBERS
    )
    hid = CommunityFactory(
        name="Zqcommhid Room", slug="zq-hid", visibility=Community.Visibility.HIDDEN
    )
    ada = UserFactory(display_name="Ada Lovelock", handle="ada", is_patient=True)
    searchers: dict[str, Any] = {
        "visitor": AnonymousUser(),
        "outsider": UserFactory(display_name="Olly", handle="olly"),
        "member": UserFactory(display_name="Meg", handle="meg"),
        "other_member": UserFactory(display_name="Otto", handle="otto"),
        "moderator": UserFactory(display_name="Mo", handle="mo"),
        "staff": UserFactory(display_name="Stan", handle="stan", is_site_admin=True, is_staff=True),
        "author": ada,
        "blocker": UserFactory(display_name="Bea", handle="bea"),
    }
    for community in (pub, mem, hid):
        make_member(community, ada)
        make_member(community, searchers["member"])
        make_member(community, searchers["blocker"])
        make_member(community, searchers["moderator"], Membership.Role.MODERATOR)
    make_member(mem, searchers["other_member"])
    MemberBlock.objects.create(blocker=searchers["blocker"], blocked=ada)

    pia = UserFactory(display_name="Pia Zqquorvel", handle="pia")
    make_member(pub, pia)
    _profile(
        pia,
        {
            "bio": Visibility.EVERYONE,
            "interests": Visibility.MEMBERS,
            "story": Visibility.SHARED,
            "conditions": Visibility.PRIVATE,
        },
        bio="Gardener, zqbioeveryone",
        interests=["zqinterestmembers"],
        story="My zqstoryshared years",
        conditions=["zqconditionprivate"],
    )
    quinn = UserFactory(display_name="Quinn", handle="quinn")
    _profile(quinn, {"conditions": Visibility.EVERYONE}, conditions=["zqconditioneveryone"])
    hal = UserFactory(display_name="Hal", handle="hal")
    _profile(hal, {"bio": Visibility.EVERYONE}, bio="zqhiddenprofile", is_hidden=True)
    ina = UserFactory(display_name="Ina Zqinactivename", handle="ina", is_active=False)
    _profile(ina, {"bio": Visibility.EVERYONE}, bio="zqinactivebio")
    _profile(ada, {"bio": Visibility.EVERYONE}, bio="Knits, zqadabio")

    objects: dict[str, Any] = {"pub": pub, "mem": mem, "hid": hid, "ada": ada, "pia": pia}
    items: dict[str, tuple[str, int]] = {}
    for name, community in (("pub", pub), ("mem", mem), ("hid", hid)):
        topic = _topic(community, ada, f"About zq{name}topic", "Opening words here")
        reply = _post(topic, 2, ada, f"A reply with zq{name}reply in it")
        items[f"{name}_topic"] = ("topic", topic.pk)
        items[f"{name}_reply"] = ("post", reply.pk)
        objects[f"{name}_topic"] = topic
        objects[f"{name}_reply"] = reply
    pending = _topic(pub, ada, "Waiting zqpendingtopic", "Held", state=ModerationState.PENDING)
    held = _topic(pub, ada, "Taken down zqheldtopic", "Hidden", state=ModerationState.HIDDEN)
    gone = _topic(pub, ada, "Deleted zqgonetopic", "Gone", is_deleted=True)
    Post.objects.filter(topic=gone, position=1).update(is_deleted=True)
    _post(gone, 2, searchers["member"], "A live reply zqgoneinside to a deleted topic")
    host = _topic(pub, searchers["member"], "Host topic", "Replies of every kind follow")
    pending_reply = _post(
        host, 2, ada, "zqpendingreply waits", moderation_state=ModerationState.PENDING
    )
    held_reply = _post(host, 3, ada, "zqheldreply hidden", moderation_state=ModerationState.HIDDEN)
    gone_reply = _post(host, 4, ada, "zqgonereply removed", is_deleted=True)
    anon = _topic(pub, None, "Asking quietly zqanontopic", "No name", alias_user=ada)
    reply_alias = TopicAlias.objects.create(topic=host, user=ada, number=1)
    anon_reply = _post(host, 5, None, "zqanonreply from nobody", alias=reply_alias)
    items.update(
        {
            "pending_topic": ("topic", pending.pk),
            "pending_reply": ("post", pending_reply.pk),
            "hidden_topic": ("topic", held.pk),
            "hidden_reply": ("post", held_reply.pk),
            "deleted_topic": ("topic", gone.pk),
            "deleted_reply": ("post", gone_reply.pk),
            "reply_in_deleted_topic": ("post", gone.posts.get(position=2).pk),
            "anon_topic": ("topic", anon.pk),
            "anon_reply": ("post", anon_reply.pk),
            "pia": ("member", pia.pk),
            "quinn": ("member", quinn.pk),
            "hal": ("member", hal.pk),
            "ina": ("member", ina.pk),
            "ada": ("member", ada.pk),
            "community_pub": ("community", pub.pk),
            "community_mem": ("community", mem.pk),
            "community_hid": ("community", hid.pk),
        }
    )
    objects.update(anon_topic=anon, anon_reply=anon_reply, host=host)
    for topic_id in Topic.objects.values_list("pk", flat=True):
        reindex_topic(topic_id)
    for user_id in User.objects.values_list("pk", flat=True):
        reindex_member(user_id)
    for community_id in Community.objects.values_list("pk", flat=True):
        reindex_community(community_id)
    _embed_if_available(list(Topic.objects.values_list("pk", flat=True)))
    return World(searchers=searchers, items=items, objects=objects)


def _embed_if_available(topic_ids: list[int]) -> None:
    """Give visible topics vectors when the model is installed, so fusion is exercised too."""
    from carecircle.search import embeddings

    if embeddings.is_available():
        embeddings.embed_topics(topic_ids)


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    # Built once for the module in a transaction rolled back at the end; each test runs in
    # its own savepoint inside it, so the stale-index tests' changes are undone too.
    with django_db_blocker.unblock(), transaction.atomic():
        built = _build_world()
        yield built
        transaction.set_rollback(True)
    _forget_vectors()


def _fresh(world: World, name: str) -> Any:
    """A fresh copy of a world object: an earlier test's action may have changed the shared
    instance in memory (its database change was rolled back)."""
    instance = world.objects[name]
    return type(instance).objects.get(pk=instance.pk)


def _still_indexed(world: World, *items: str) -> bool:
    """Whether the index still holds the items' rows: the stale case is really stale."""
    from carecircle.search.models import SearchDocument

    return all(
        SearchDocument.objects.filter(kind=kind, object_id=object_id).exists()
        for kind, object_id in (world.items[item] for item in items)
    )


def _forget_vectors() -> None:
    from carecircle.search import related

    related.forget_vectors()


def _found(
    world: World,
    searcher: str,
    text: str,
    filters: SearchFilters | None = None,
    *,
    use_embeddings: bool = False,
) -> set[tuple[str, int]]:
    results = _search(world, searcher, text, filters, use_embeddings=use_embeddings)
    return {(result.kind, result.object_id) for result in results.results}


def _search(
    world: World,
    searcher: str,
    text: str,
    filters: SearchFilters | None = None,
    *,
    use_embeddings: bool = False,
) -> SearchResults:
    # Exact sets are about words: topics near in meaning (which any made-up word has) are
    # checked on their own below, against everything the searcher may read.
    return search(
        world.searchers[searcher],
        text,
        filters or SearchFilters(),
        use_embeddings=use_embeddings,
    )


CELLS = [
    pytest.param(word, searcher, id=f"{word}-{searcher}")
    for word, (item, _who) in MATRIX.items()
    for searcher in SEARCHERS
    if not (item == "ada" and searcher == "author")
]


@pytest.mark.django_db
@pytest.mark.parametrize(("word", "searcher"), CELLS)
def test_searcher_finds_exactly_what_they_may_read(world: World, word: str, searcher: str) -> None:
    item, who = MATRIX[word]
    expected = {world.items[item]} if searcher in who else set()
    assert _found(world, searcher, word) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("searcher", SEARCHERS)
def test_topics_found_by_meaning_are_only_ones_the_searcher_may_read(
    world: World, searcher: str
) -> None:
    if not embeddings_available():
        pytest.skip("the optional sentence model is not installed")
    may_read = {world.items[item] for item, who in MATRIX.values() if searcher in who}
    if searcher == "author":
        may_read.add(world.items["ada"])  # her own profile (its cell is left out above)
    found: set[tuple[str, int]] = set()
    for word in MATRIX:
        found |= _found(world, searcher, word, use_embeddings=True)
    assert found <= may_read


@pytest.mark.django_db
@pytest.mark.parametrize("searcher", SEARCHERS)
def test_author_filter_never_finds_anonymous_writing(world: World, searcher: str) -> None:
    by_ada = SearchFilters(author="ada")
    assert _found(world, searcher, "zqanontopic", by_ada) == set()
    assert _found(world, searcher, "zqanonreply", by_ada) == set()


@pytest.mark.django_db
def test_author_filter_finds_open_writing(world: World) -> None:
    found = _found(world, "visitor", "zqpubtopic OR zqpubreply", SearchFilters(author="ada"))
    assert found == {world.items["pub_topic"], world.items["pub_reply"]}


@pytest.mark.django_db
@pytest.mark.parametrize("searcher", ["visitor", "member", "moderator", "staff", "author"])
def test_anonymous_writing_shows_its_alias_never_the_name(world: World, searcher: str) -> None:
    results = _search(world, searcher, "zqanontopic OR zqanonreply").results
    assert sorted((result.kind, result.author_name) for result in results) == [
        ("post", "Anonymous member 1"),
        ("topic", "Anonymous member 1"),
    ]
    for result in results:
        shown = f"{result.title} {result.snippet_html} {result.author_name} {result.url}"
        assert "Ada" not in shown
        assert "Lovelock" not in shown
        assert "ada" not in result.url.split("/")


@pytest.mark.django_db
@pytest.mark.parametrize("searcher", SEARCHERS)
def test_private_condition_is_found_by_nobody_even_when_combined(
    world: World, searcher: str
) -> None:
    # Pia is findable by her name; adding her private condition must not still find her.
    assert _found(world, searcher, "zqquorvel zqconditionprivate") == set()
    assert _found(world, searcher, '"zqconditionprivate"') == set()


# --- Stale index: the source changed, no reindex ran ---------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("searcher", ["visitor", "member", "moderator", "author"])
def test_hidden_after_indexing_is_not_shown(world: World, searcher: str) -> None:
    discussion_actions.hide_post(_fresh(world, "pub_topic").posts.get(position=1))
    discussion_actions.hide_post(_fresh(world, "pub_reply"))
    assert _still_indexed(world, "pub_topic", "pub_reply")
    assert _found(world, searcher, "zqpubtopic") == set()
    assert _found(world, searcher, "zqpubreply") == set()


@pytest.mark.django_db
@pytest.mark.parametrize("searcher", ["visitor", "member", "author"])
def test_deleted_after_indexing_is_not_shown(world: World, searcher: str) -> None:
    ada = _fresh(world, "ada")
    discussion_actions.delete_post(actor=ada, post=_fresh(world, "pub_reply"))
    discussion_actions.delete_post(actor=ada, post=_fresh(world, "pub_topic").posts.get(position=1))
    assert _still_indexed(world, "pub_topic", "pub_reply")
    assert _found(world, searcher, "zqpubreply") == set()
    assert _found(world, searcher, "zqpubtopic") == set()


@pytest.mark.django_db
@pytest.mark.parametrize("searcher", ["visitor", "member", "author"])
def test_old_words_of_an_edited_post_are_not_found_or_shown(world: World, searcher: str) -> None:
    ada = _fresh(world, "ada")
    discussion_actions.edit_post(
        actor=ada,
        post=_fresh(world, "pub_topic").posts.get(position=1),
        body="Rewritten",
        title="A calmer title",
    )
    discussion_actions.edit_post(actor=ada, post=_fresh(world, "pub_reply"), body="Reworded")
    assert _still_indexed(world, "pub_topic", "pub_reply")
    for old_word in ("zqpubtopic", "zqpubreply"):
        results = _search(world, searcher, old_word).results
        assert [(result.kind, result.object_id) for result in results] == []


@pytest.mark.django_db
def test_moved_to_a_hidden_community_after_indexing_is_not_shown(world: World) -> None:
    discussion_actions.move_topic(
        actor=world.searchers["moderator"],
        topic=_fresh(world, "pub_topic"),
        destination=_fresh(world, "hid"),
    )
    assert _still_indexed(world, "pub_topic", "pub_reply")
    for searcher in ("visitor", "outsider", "other_member"):
        assert _found(world, searcher, "zqpubtopic") == set()
        assert _found(world, searcher, "zqpubreply") == set()
    # Its new community's members still read it.
    assert _found(world, "member", "zqpubtopic") == {world.items["pub_topic"]}


@pytest.mark.django_db
def test_community_made_hidden_after_indexing_hides_its_name_and_content(world: World) -> None:
    Community.objects.filter(pk=world.objects["pub"].pk).update(
        visibility=Community.Visibility.HIDDEN
    )
    assert _still_indexed(world, "community_pub", "pub_topic", "anon_topic")
    for searcher in ("visitor", "outsider", "other_member"):
        assert _found(world, searcher, "zqcommpub") == set()
        assert _found(world, searcher, "zqpubtopic") == set()
        assert _found(world, searcher, "zqanontopic") == set()


@pytest.mark.django_db
@pytest.mark.parametrize("searcher", ["visitor", "outsider", "member", "staff"])
def test_profile_field_made_private_after_indexing_is_not_found(
    world: World, searcher: str
) -> None:
    pia = world.objects["pia"]
    Profile.objects.filter(user=pia).update(
        visibility={
            "bio": Visibility.PRIVATE,
            "interests": Visibility.PRIVATE,
            "story": Visibility.PRIVATE,
            "conditions": Visibility.PRIVATE,
        }
    )
    assert _still_indexed(world, "pia")
    for word in ("zqbioeveryone", "zqinterestmembers", "zqstoryshared"):
        assert _found(world, searcher, word) == set()
    # Her name is still hers to show.
    assert _found(world, searcher, "zqquorvel") == {world.items["pia"]}


@pytest.mark.django_db
@pytest.mark.parametrize("searcher", ["visitor", "member", "staff"])
def test_profile_hidden_or_member_deactivated_after_indexing_is_not_found(
    world: World, searcher: str
) -> None:
    Profile.objects.filter(user=world.objects["pia"]).update(is_hidden=True)
    User.objects.filter(pk=world.objects["ada"].pk).update(is_active=False)
    assert _still_indexed(world, "pia", "ada")
    assert _found(world, searcher, "zqbioeveryone") == set()
    assert _found(world, searcher, "zqadabio") == set()


@pytest.mark.django_db
def test_block_made_after_indexing_applies_at_once(world: World) -> None:
    MemberBlock.objects.create(blocker=world.searchers["member"], blocked=world.objects["ada"])
    assert _still_indexed(world, "pub_topic", "ada")
    assert _found(world, "member", "zqpubtopic") == set()
    assert _found(world, "member", "zqadabio") == set()
    assert _found(world, "member", "zqanontopic") == {world.items["anon_topic"]}
