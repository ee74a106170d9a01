"""A small living demo: six communities, named personas and real-sounding conversations.

Notifications are delivered while the demo loads (no worker runs yet): everything the demo
conversations caused is in the bells already read, as months of visits would leave it, and a
few newer events wait unread (SunnyDays: a mention, reactions, an accepted answer, a reply).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from typing import Any
from unittest import mock

from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.bookmarks import actions as bookmark_actions
from carecircle.communities import actions as community_actions
from carecircle.communities.models import Community, Membership
from carecircle.discussions import actions as discussion_actions
from carecircle.engagement import actions as engagement_actions
from carecircle.journal.demo import load_demo_journal
from carecircle.messaging.actions import conversations as conversation_actions
from carecircle.messaging.actions import rooms as room_actions
from carecircle.moderation import trust
from carecircle.moderation.actions import configuration as moderation_settings
from carecircle.moderation.actions import reports as moderation_reports
from carecircle.moderation.models import MemberTrust, TrustLevel
from carecircle.notifications import actions as notification_actions
from carecircle.notifications.models import DigestFrequency, WatchLevel
from carecircle.polls import actions as poll_actions
from carecircle.polls.specs import PollSpec
from carecircle.privacy.actions import accept_current_documents
from carecircle.resources.demo import load_demo_resources
from carecircle.resources.models import Resource
from carecircle.search.indexing import rebuild_index
from carecircle.uploads import actions as upload_actions
from carecircle.uploads.attachments import AttachmentChoice

DEMO_PASSWORD = "carecircle-demo"  # noqa: S105 - documented demo credential, demo mode only

PEOPLE = [
    # email, display name, handle, roles
    ("admin@demo.carecircle.test", "Site Admin", "admin", {"is_site_admin": True}),
    ("manager@demo.carecircle.test", "Maya (community manager)", "maya", {"is_site_manager": True}),
    ("moderator@demo.carecircle.test", "Theo (moderator)", "theo", {"is_site_moderator": True}),
    ("patient@demo.carecircle.test", "SunnyDays", "sunnydays", {"is_patient": True}),
    ("caregiver@demo.carecircle.test", "CaringSon", "caringson", {"is_caregiver": True}),
    ("nurse@demo.carecircle.test", "Nurse Amira", "amira", {"is_professional": True}),
    ("walker@demo.carecircle.test", "SlowWalker", "slowwalker", {"is_patient": True}),
    # A brand-new member whose first reply the moderation demo is about.
    ("quickfix@demo.carecircle.test", "QuickFixHerbs", "quickfix", {}),
]
# Long-standing demo members: their visits and reading earn trust levels (the new member has none).
ESTABLISHED = ("sunnydays", "caringson", "amira", "slowwalker")

GUIDELINES = """\
1. **Be kind.** Everyone here is dealing with something hard.
2. **Share experience, not prescriptions.** Talk to your own care team before changing treatment.
3. **Protect privacy.** Don't post names, addresses, phone numbers or record numbers.
4. **No selling or spam.**
5. **In a crisis**, contact your local emergency number. This community is not an emergency service.
"""

COMMUNITIES = [
    ("Type 2 Diabetes", Community.Kind.CONDITION, Community.Visibility.PUBLIC,
     "For people living with type 2 diabetes and those who support them: food, medication, "
     "glucose monitoring and everyday life."),
    ("Breast Cancer", Community.Kind.CONDITION, Community.Visibility.MEMBERS,
     "A members-only space for anyone affected by breast cancer, from diagnosis through "
     "treatment and beyond."),
    ("Long COVID", Community.Kind.CONDITION, Community.Visibility.PUBLIC,
     "Fatigue, brain fog, breathlessness, pacing: share what helps with long COVID."),
    ("Caregivers", Community.Kind.GENERAL, Community.Visibility.PUBLIC,
     "For family members and friends who care for someone. Your wellbeing matters too."),
    ("General", Community.Kind.GENERAL, Community.Visibility.PUBLIC,
     "Introductions, site questions and everything else."),
    ("Announcements", Community.Kind.ANNOUNCEMENTS, Community.Visibility.PUBLIC,
     "News from the CareCircle team."),
]  # fmt: skip

CONVERSATIONS = [
    ("Type 2 Diabetes", "sunnydays", "Tired all the time after starting metformin?", True,
     "I started metformin six weeks ago and I feel exhausted by mid-afternoon. "
     "Did anyone else have this, and did it get better?",
     [("slowwalker", "Yes! The first two months were rough for me. Taking it with dinner "
       "instead of breakfast helped a lot."),
      ("amira", "Fatigue has many causes, so it is worth mentioning to your GP; they may check "
       "B12 levels, which metformin can lower over time."),
      ("sunnydays", "Thank you both, I'll ask about B12 at my next appointment.")]),
    ("Type 2 Diabetes", "slowwalker", "Favourite low-sugar breakfasts", False,
     "Share your go-to breakfasts that don't spike your glucose. Mine: Greek yoghurt, "
     "walnuts and a few berries.",
     [("sunnydays", "Scrambled eggs with spinach on one slice of rye toast.")]),
    ("Breast Cancer", "sunnydays", "Getting through chemo week three", False,
     "Week three of chemotherapy and the tiredness is heavy. What small things helped you?",
     [("amira", "Short walks and small frequent meals help many people. "
       "Be gentle with yourself.")]),
    ("Long COVID", "slowwalker", "Pacing: how do you plan your day?", True,
     "I keep crashing after good days. How do you pace yourself?",
     [("caringson", "My mum uses a simple energy diary: three tasks a day, rest between."),
      ("amira", "Pacing with planned rest before you feel tired is the usual advice; an "
       "occupational therapist can help build a plan.")]),
    ("Caregivers", "caringson", "Looking after Dad and working full time", False,
     "Some weeks I don't know how to keep going. How do other carers find time for themselves?",
     [("slowwalker", "Respite care saved me. Ask your local council what they offer."),
      ("sunnydays", "Sending you a hug. You're doing more than you think.")]),
    ("General", "maya", "Welcome! Introduce yourself here", False,
     "Welcome to CareCircle. Tell us a little about yourself, as much or as little as you like.",
     [("sunnydays", "Hi all, living with type 2 diabetes since 2021 and glad to be here.")]),
    ("Announcements", "maya", "How we keep this community safe", False,
     "Our moderators read reports every day. If you see something worrying, please report it.",
     []),
]  # fmt: skip


WELCOME_COMMUNITY = "Type 2 Diabetes"
WELCOME_MESSAGE = """\
Welcome to the Type 2 Diabetes community! We're glad you found us.

- **Say hello** in *Welcome! Introduce yourself here* (in General): as much or as little
  as you like.
- **Ask anything**: no question about food, medication or glucose numbers is too small.
- **Drop into the Coffee corner** chat room any time, or join the Tuesday evening support group.

Please read the guidelines, and remember we share experience, not prescriptions.

Maya, for the community managers
"""


def load_demo() -> list[User]:
    """Create the demo personas, communities and conversations; returns the people."""
    with _notifications_held() as held:
        people = _load_people()
        load_demo_journal(people["sunnydays"])
        communities = _load_communities(people)
        _load_conversations(people, communities)
        _load_chat(people, communities["Type 2 Diabetes"])
        for handle in ESTABLISHED:
            trust.refresh(people[handle])
        _load_moderation(people, communities["Type 2 Diabetes"])
        load_demo_resources()
        _load_poll_and_citation(people, communities["Type 2 Diabetes"])
        _load_notification_choices(people)
        _award_badges(people)
        _deliver(held)
        # All of that happened months ago for these members: they have read it.
        for person in people.values():
            notification_actions.mark_all_read(actor=person)
        _load_recent_news(people, communities)
        _award_badges(people)
        _deliver(held)
    # No worker runs while the demo loads: the index is built here, so search finds it at once.
    rebuild_index()
    return list(people.values())


def _load_people() -> dict[str, User]:
    people: dict[str, User] = {}
    for email, display_name, handle, flags in PEOPLE:
        user = User.objects.create_user(
            email, DEMO_PASSWORD, display_name=display_name, handle=handle, **flags
        )
        if flags.get("is_site_admin"):
            user.is_staff = True
            user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        # As at sign-up: demo people agreed to the current terms and privacy policy.
        accept_current_documents(actor=user)
        people[handle] = user
        if handle in ESTABLISHED:
            user.date_joined = timezone.now() - timedelta(days=180)
            user.save(update_fields=["date_joined"])
            # Counters as months of visits and reading would leave them; levels are computed below.
            MemberTrust.objects.create(
                user=user,
                level=TrustLevel.BASIC,
                days_visited=75,
                last_visited_on=timezone.localdate(),
                topics_entered=60,
                posts_read=650,
            )
    return people


def _load_communities(people: dict[str, User]) -> dict[str, Community]:
    communities: dict[str, Community] = {}
    for name, kind, visibility, description in COMMUNITIES:
        community = community_actions.create_community(
            actor=people["maya"],
            name=name,
            description=description,
            guidelines=GUIDELINES,
            kind=kind,
            visibility=visibility,
        )
        communities[name] = community
        if name == WELCOME_COMMUNITY:
            engagement_actions.update_welcome_message(
                actor=people["maya"], community=community, body=WELCOME_MESSAGE, is_enabled=True
            )
        for handle in ("sunnydays", "caringson", "amira", "slowwalker", "theo", "quickfix"):
            community_actions.join_community(
                actor=people[handle], community=community, accept_guidelines=True
            )
        community_actions.set_member_role(
            actor=people["maya"],
            community=community,
            member=people["theo"],
            role=Membership.Role.MODERATOR,
        )
    # Before the conversations, so the watches shape who heard about them.
    notification_actions.set_watch_level(
        actor=people["amira"], level=WatchLevel.WATCHING, community=communities["Type 2 Diabetes"]
    )
    notification_actions.set_watch_level(
        actor=people["slowwalker"], level=WatchLevel.MUTED, community=communities["General"]
    )
    return communities


def _load_conversations(people: dict[str, User], communities: dict[str, Community]) -> None:
    for community_name, author, title, is_question, body, replies in CONVERSATIONS:
        topic = discussion_actions.create_topic(
            actor=people[author],
            community=communities[community_name],
            title=title,
            body=body,
            is_question=is_question,
        )
        posts = []
        for reply_author, reply_body in replies:
            posts.append(
                discussion_actions.reply_to_topic(
                    actor=people[reply_author], topic=topic, body=reply_body
                )
            )
        if posts:
            discussion_actions.toggle_reaction(actor=people[author], post=posts[0], kind="helpful")
            discussion_actions.toggle_reaction(actor=people["maya"], post=posts[0], kind="hug")
        if is_question and len(posts) > 1:
            discussion_actions.accept_answer(actor=people[author], topic=topic, post=posts[1])


def _load_notification_choices(people: dict[str, User]) -> None:
    """A carer who opted in to a daily digest with details (the others keep the defaults)."""
    notification_actions.update_notification_settings(
        actor=people["caringson"], digest=DigestFrequency.DAILY, email_includes_details=True
    )


def _load_recent_news(people: dict[str, User], communities: dict[str, Community]) -> None:
    """What happened since SunnyDays last looked: it waits unread in her bell."""
    diabetes = communities["Type 2 Diabetes"]
    breakfasts = diabetes.topics.get(title="Favourite low-sugar breakfasts")
    # A mention (also a reply to SlowWalker's topic, and news for Amira, who watches).
    discussion_actions.reply_to_topic(
        actor=people["caringson"],
        topic=breakfasts,
        body="@sunnydays I tried your eggs and spinach on rye for Dad this week. "
        "His morning readings were steadier. Thank you!",
    )
    # Three members found her kind words helpful: one line, "3 reactions ..., the latest from ...".
    carers = communities["Caregivers"].topics.get(title="Looking after Dad and working full time")
    hug = carers.posts.get(author=people["sunnydays"])
    for handle, kind in (("caringson", "hug"), ("slowwalker", "helpful"), ("amira", "helpful")):
        discussion_actions.toggle_reaction(actor=people[handle], post=hug, kind=kind)
    # Her answer to CaringSon's question is accepted (and earns her a badge).
    question = discussion_actions.create_topic(
        actor=people["caringson"],
        community=communities["Caregivers"],
        title="How do you keep track of several medicines?",
        body="Dad now takes five different tablets at different times of day. "
        "How do you make sure nothing is missed or taken twice?",
        is_question=True,
    )
    organiser = upload_actions.create_upload(
        actor=people["sunnydays"],
        file=SimpleUploadedFile("pill-organiser.png", _pill_organiser_png(), "image/png"),
    )
    answer = discussion_actions.reply_to_topic(
        actor=people["sunnydays"],
        topic=question,
        body="A weekly pill organiser with morning, midday, evening and bedtime boxes, filled "
        "every Sunday, plus a phone alarm for each time. The pharmacist can check the plan.",
        attachments=[
            AttachmentChoice(
                upload_id=organiser.pk,
                alt_text="A weekly pill organiser: seven columns for the days and four rows "
                "for morning, midday, evening and bedtime, with tablets in most boxes.",
            )
        ],
    )
    discussion_actions.accept_answer(actor=people["caringson"], topic=question, post=answer)
    # A new reply to her own topic.
    chemo = communities["Breast Cancer"].topics.get(title="Getting through chemo week three")
    discussion_actions.reply_to_topic(
        actor=people["slowwalker"],
        topic=chemo,
        body="Thinking of you this week. A friend found ginger tea and a nap after lunch helped.",
    )


def _pill_organiser_png() -> bytes:
    """A drawing of a weekly pill organiser, made here so the demo ships no binary file."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (960, 560), "#f4f1ea")
    draw = ImageDraw.Draw(image)
    colours = ["#d9534f", "#f0ad4e", "#5bc0de", "#5cb85c"]
    for day in range(7):
        for slot in range(4):
            left, top = 40 + day * 128, 40 + slot * 120
            draw.rounded_rectangle(
                (left, top, left + 112, top + 104), radius=14, fill="#ffffff", outline="#8a8378"
            )
            # Sunday evening and bedtime are already taken: those boxes are empty.
            if not (day == 6 and slot >= 2):
                centre = (left + 56, top + 52)
                draw.ellipse(
                    (centre[0] - 22, centre[1] - 14, centre[0] + 22, centre[1] + 14),
                    fill=colours[slot],
                )
    output = io.BytesIO()
    image.save(output, "PNG")
    return output.getvalue()


def _load_poll_and_citation(people: dict[str, User], diabetes: Community) -> None:
    """A poll with votes, a reply citing the library, and SunnyDays' bookmark of it."""
    topic = discussion_actions.create_topic(
        actor=people["amira"],
        community=diabetes,
        title="How often do you check your blood glucose?",
        body="Everyone's plan is different, so there is no right answer here. It helps new "
        "members to see what others do, and you can change your vote at any time.",
        poll=PollSpec(
            question="How often do you check your blood glucose?",
            options=[
                "Several times a day",
                "Once a day",
                "A few times a week",
                "Only at my diabetes check-ups",
            ],
            is_anonymous=True,
            results_visibility="after_vote",
        ),
    )
    poll = topic.poll
    options = list(poll.options.order_by("position"))
    for handle, position in (("sunnydays", 1), ("caringson", 2), ("slowwalker", 1)):
        choice = [options[position].pk]
        poll_actions.vote_in_poll(actor=people[handle], poll=poll, option_ids=choice)
    guide = Resource.objects.filter(community=diabetes, title="Type 2 diabetes").first()
    if guide is None:
        return
    reply = discussion_actions.reply_to_topic(
        actor=people["amira"],
        topic=topic,
        body="If you are not sure how often you should check, the NHS page in our library "
        f"explains who needs to test and why: [Type 2 diabetes](/library/{guide.pk}/). Your "
        "diabetes nurse can agree a plan with you.",
    )
    bookmark_actions.add_bookmark(
        actor=people["sunnydays"],
        post=reply,
        note="Ask the nurse about testing before my walks.",
    )


def _award_badges(people: dict[str, User]) -> None:
    for person in people.values():
        engagement_actions.award_earned_badges(member_id=person.pk)


@contextmanager
def _notifications_held() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Hold the notifications the demo's actions send, for `_deliver` to deliver at once.

    Outside the demo they are delivered by background tasks after the transaction commits;
    here no worker runs while the demo loads, and each member's bell must be ready (and
    partly read) when they first sign in. Held events are not queued, so a worker started
    later does not deliver them a second time.
    """
    held: list[tuple[str, dict[str, Any]]] = []
    with ExitStack() as stack:
        stack.enter_context(
            mock.patch.object(
                notification_actions, "notify", lambda **fields: held.append(("notify", fields))
            )
        )
        stack.enter_context(
            mock.patch.object(
                notification_actions,
                "notify_watchers",
                lambda **fields: held.append(("watchers", fields)),
            )
        )
        yield held


def _deliver(held: list[tuple[str, dict[str, Any]]]) -> None:
    """Deliver the held notifications now, in order, through `deliver_notifications`.

    The demo members joined months ago: of the welcomes, only the one of the community whose
    managers wrote a message is kept, so each bell shows one rather than six.
    """
    welcome_place = Community.objects.get(name=WELCOME_COMMUNITY).pk
    events, held[:] = list(held), []
    with mock.patch.object(
        notification_actions,
        "enqueue_delivery",
        lambda payloads: [
            notification_actions.deliver_notifications(**payload) for payload in payloads
        ],
    ):
        for way, fields in events:
            if fields["kind"] == "welcome" and fields.get("community_id") != welcome_place:
                continue
            actor = fields.pop("actor", None)
            payload = {
                "kind": fields["kind"],
                "url": fields["url"],
                "actor_id": actor.pk if actor is not None else None,
                "actor_label": fields.get("actor_label", ""),
                "community_id": fields.get("community_id"),
                "topic_id": fields.get("topic_id"),
                "post_id": fields.get("post_id"),
                "conversation_id": fields.get("conversation_id"),
                "group_key": fields.get("group_key", ""),
                "data": dict(fields.get("data") or {}),
            }
            if way == "watchers":
                notification_actions.fan_out_watchers(
                    {**payload, "exclude_ids": list(fields.get("exclude_ids", ()))}
                )
            else:
                notification_actions.deliver_notifications(
                    recipient_ids=sorted({pk for pk in fields["recipient_ids"] if pk is not None}),
                    **payload,
                )


def _load_moderation(people: dict[str, User], community: Community) -> None:
    """A risky claim from a new member: screened, reported, answered by a professional."""
    topic = community.topics.get(title="Tired all the time after starting metformin?")
    # The new member confirmed after the guidelines reminder; screening queues it for review.
    claim = discussion_actions.reply_to_topic(
        actor=people["quickfix"],
        topic=topic,
        body="Honestly, just stop taking your metformin. Cinnamon capsules cured my diabetes "
        "in a month.",
        confirmed=True,
    )
    moderation_reports.report_content(
        actor=people["sunnydays"],
        kind="post",
        target_id=claim.pk,
        reason="medically_inaccurate",
        note="Someone new might stop their medication because of this.",
    )
    moderation_settings.add_context_note(
        actor=people["amira"],
        post=claim,
        body="Please don't stop metformin without talking to your care team. Cinnamon has not "
        "been shown to replace diabetes medication.",
        resource_url="https://www.nhs.uk/conditions/type-2-diabetes/",
        resource_title="NHS: Type 2 diabetes",
    )
    moderation_settings.save_report_reason(
        actor=people["maya"],
        community=community,
        label="Selling or promoting products",
        description="Posts that advertise supplements, devices or services.",
    )


def _load_chat(people: dict[str, User], community: Community) -> None:
    """Two chat rooms (one always open, one with a weekly session) and a private conversation."""
    corner = room_actions.create_room(
        actor=people["maya"],
        community=community,
        name="Coffee corner",
        description="Drop in any time for a chat with other members.",
    )
    for handle, body in (
        ("sunnydays", "Morning all! Anyone else up early with a glucose check?"),
        ("slowwalker", "Me! 6.1 before breakfast, happy with that."),
    ):
        room_actions.send_room_message(actor=people[handle], room=corner, body=body)
    group = room_actions.create_room(
        actor=people["maya"],
        community=community,
        name="Tuesday evening support group",
        description="A facilitated hour to share how the week went. Open during sessions.",
    )
    # The next Tuesday at 19:00 (site time), a week later if that has passed today.
    now = timezone.localtime()
    start = (now + timedelta(days=(1 - now.weekday()) % 7)).replace(
        hour=19, minute=0, second=0, microsecond=0
    )
    if start <= now:
        start += timedelta(days=7)
    room_actions.schedule_session(
        actor=people["maya"],
        room=group,
        title="Weekly check-in",
        starts_at=start,
        ends_at=start + timedelta(minutes=90),
        publishes_transcript=True,
    )
    conversation = conversation_actions.start_conversation(
        actor=people["sunnydays"],
        recipients=[people["slowwalker"]],
        body="Thank you for the tip about taking metformin with dinner. It really helped!",
    )
    reply = conversation_actions.send_message(
        actor=people["slowwalker"],
        conversation=conversation,
        body="So glad! Let me know how the B12 test goes.",
    )
    conversation_actions.mark_read(
        actor=people["sunnydays"], conversation=conversation, message_id=reply.pk
    )
