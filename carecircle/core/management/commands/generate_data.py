"""Bulk-generate a large, realistic data set for load tests and query-count checks (bench/).

The rows are inserted directly in batches, bypassing the actions on purpose: going through
`reply_to_topic` for 200,000 posts would take hours. Everything the actions would keep
consistent is computed here instead: counters, last poster, positions, memberships of everyone
who posts or reacts, reaction counts, pre-rendered Markdown. Works on SQLite and PostgreSQL;
meant for bench databases, never for a live site.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import itertools
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from carecircle.accounts.models import User
from carecircle.communities.models import Community, GuidelinesAcceptance, Membership
from carecircle.core.markdown import render_markdown
from carecircle.discussions.models import Post, PostRevision, Reaction, Topic

# --- Word lists -----------------------------------------------------------------------------------

COMMUNITY_NAMES = [
    ("Type 2 Diabetes", "type 2 diabetes"),
    ("Long COVID", "long COVID"),
    ("Caregivers", "a long-term condition"),
    ("Chronic Pain", "chronic pain"),
    ("Breast Cancer", "breast cancer"),
    ("Multiple Sclerosis", "MS"),
    ("Heart Failure", "heart failure"),
    ("Depression and Anxiety", "anxiety"),
    ("Rheumatoid Arthritis", "rheumatoid arthritis"),
    ("Crohn's and Colitis", "Crohn's"),
    ("Parkinson's", "Parkinson's"),
    ("Asthma", "asthma"),
    ("Migraine", "migraine"),
    ("Fibromyalgia", "fibromyalgia"),
    ("Kidney Disease", "kidney disease"),
    ("COPD", "COPD"),
    ("Epilepsy", "epilepsy"),
    ("Lupus", "lupus"),
    ("Stroke Recovery", "stroke recovery"),
    ("Dementia Carers", "dementia"),
    ("Endometriosis", "endometriosis"),
    ("Thyroid Conditions", "hypothyroidism"),
    ("Sleep Apnoea", "sleep apnoea"),
    ("Coeliac Disease", "coeliac disease"),
    ("Psoriasis", "psoriasis"),
    ("Prostate Cancer", "prostate cancer"),
    ("ME/CFS", "ME/CFS"),
    ("Bipolar Disorder", "bipolar disorder"),
    ("Hearing Loss", "hearing loss"),
    ("Osteoporosis", "osteoporosis"),
]
GENERAL_COMMUNITIES = {"Caregivers", "Dementia Carers"}
SYMPTOMS = [
    "fatigue", "brain fog", "joint pain", "nausea", "headaches", "dizziness", "insomnia",
    "breathlessness", "swollen ankles", "back pain", "night sweats", "numbness in my feet",
    "low mood", "palpitations", "stiffness in the mornings", "stomach cramps", "hair loss",
    "blurred vision", "restless legs", "muscle weakness", "a constant cough", "itchy skin",
]  # fmt: skip
MEDICATIONS = [
    "metformin", "insulin", "methotrexate", "sertraline", "amitriptyline", "gabapentin",
    "pregabalin", "a beta blocker", "a steroid inhaler", "levothyroxine", "prednisolone",
    "a biologic", "vitamin D", "iron tablets", "omeprazole", "a statin", "tamoxifen",
    "a new painkiller", "melatonin", "an SGLT2 inhibitor",
]  # fmt: skip
TREATMENTS = [
    "physiotherapy", "CBT", "pulmonary rehab", "a pain clinic referral", "hydrotherapy",
    "an occupational therapy assessment", "a sleep study", "acupuncture", "a dietitian",
    "graded activity", "talking therapy", "a specialist nurse", "a blood test for B12",
]  # fmt: skip
CLINICIANS = [
    "my GP", "my consultant", "the nurse", "my physio", "the pharmacist", "my rheumatologist",
    "the diabetes nurse", "my oncologist", "my neurologist", "the out-of-hours doctor",
]  # fmt: skip
PEOPLE = [
    "my husband", "my wife", "my mum", "my dad", "my daughter", "my son", "my partner",
    "my sister", "my best friend", "my neighbour",
]  # fmt: skip
DURATIONS = [
    "two weeks", "a month", "six weeks", "three months", "six months", "a year",
    "eighteen months", "two years", "five years", "ten years",
]  # fmt: skip
FEELINGS = [
    "exhausted", "hopeful", "anxious", "a bit better", "overwhelmed", "relieved", "frustrated",
    "more like myself", "lonely", "stronger", "worn out", "much calmer",
]  # fmt: skip
ACTIVITIES = [
    "short walks", "swimming", "gentle yoga", "pacing", "keeping a symptom diary", "meal planning",
    "tai chi", "breathing exercises", "an afternoon rest", "batch cooking", "a warm bath",
    "stretching before bed", "a weekly support group", "a fixed bedtime",
]  # fmt: skip
TIMES = [
    "in the morning", "after lunch", "in the evening", "at night", "after meals",
    "on bad days", "at the weekend", "before appointments",
]  # fmt: skip
APPOINTMENTS = [
    "appointment", "review", "scan", "blood test", "clinic visit", "assessment",
    "follow-up", "specialist appointment",
]  # fmt: skip
LINKS = [
    ("NHS guidance", "https://www.nhs.uk/conditions/"),
    ("this leaflet", "https://www.nice.org.uk/guidance"),
    ("the charity's helpline page", "https://www.example.org/helpline"),
    ("a pacing guide", "https://www.example.org/pacing"),
]
OPENER_SENTENCES = [
    "I was diagnosed {duration} ago and most days I still feel {feeling}.",
    "Has anyone here tried {medication}? {clinician_cap} suggested it for the {symptom}.",
    "The {symptom} is worst {time}, and nothing I try seems to help.",
    "I started {medication} {duration} ago and I've noticed more {symptom}.",
    "{person_cap} keeps telling me to rest, but resting doesn't fix the {symptom}.",
    "My next {appointment} is in {duration} and I want to go in prepared.",
    "I've been doing {activity} for {duration} and I'm not sure it's helping.",
    "Some days are fine and then the {symptom} knocks me flat for a week.",
    "I'm waiting for {treatment} and the waiting list is {duration} long.",
    "Work has been understanding so far, but I'm worried about the {symptom}.",
    "I feel {feeling} after my last {appointment}, and I don't really know why.",
    "I look after {person} and I'm trying to learn as much as I can.",
]
OPENER_CLOSERS = [
    "Did anyone else have this, and did it get better?",
    "What helped you?",
    "Any tips would be really welcome.",
    "How do you all manage this?",
    "Is this normal, or should I ask {clinician} again?",
    "Thanks for reading this far.",
    "I'd love to hear how others cope.",
]
REPLY_SENTENCES = [
    "Sending you a hug, it does get easier.",
    "I had the same {symptom} when I started {medication}. Taking it {time} helped a lot.",
    "{activity_cap} made a big difference for me, but go slowly at first.",
    "It might be worth asking {clinician} about {treatment}.",
    "Thank you, this is really helpful.",
    "Same here. {duration_cap} in and I'm only now feeling {feeling}.",
    "Please don't be hard on yourself, you're doing more than you think.",
    "I keep a list of questions for every {appointment}, it stops me forgetting.",
    "{person_cap} comes with me to appointments now, and that helps.",
    "My {symptom} settled after about {duration}.",
    "Have you been able to talk to {clinician} about the {symptom}?",
    "I'm sorry you're going through this.",
    "{treatment_cap} was hard work but worth it in the end.",
    "For me the {symptom} is always worse {time}.",
    "I found {activity} easier than I expected.",
    "Everyone is different, so what works for me may not work for you.",
    "Glad you posted, I thought I was the only one.",
    "Keep us posted on how the {appointment} goes.",
]
TITLE_TEMPLATES = [
    "Tired all the time after starting {medication}?",
    "{symptom_cap} {time}: anyone else?",
    "How do you cope with {symptom}?",
    "Newly diagnosed with {condition}",
    "Tips for {activity} with {condition}",
    "Update: {duration} on {medication}",
    "Questions to ask at my first {appointment}?",
    "Does {treatment} help with {symptom}?",
    "Feeling {feeling} today",
    "Living with {condition} and working full time",
    "Supporting {person} with {condition}",
    "Is {symptom} a side effect of {medication}?",
    "Small wins thread: what went well this week",
    "Waiting for {treatment}: how long did yours take?",
    "{condition_cap} and sleep",
    "What do you wish you'd known at the start?",
]
ADJECTIVES = [
    "Sunny", "Quiet", "Slow", "Brave", "Gentle", "Calm", "Bright", "Steady", "Kind", "Hopeful",
    "Patient", "Silver", "Little", "Northern", "Coastal", "Early", "Tired", "Curious", "Warm",
]  # fmt: skip
NOUNS = [
    "Walker", "River", "Days", "Garden", "Robin", "Heron", "Baker", "Reader", "Sparrow", "Maple",
    "Harbour", "Lantern", "Otter", "Willow", "Pebble", "Meadow", "Fox", "Kettle", "Knitter",
]  # fmt: skip
GUIDELINES = """\
1. **Be kind.** Everyone here is dealing with something hard.
2. **Share experience, not prescriptions.** Talk to your own care team before changing treatment.
3. **Protect privacy.** Don't post names, addresses, phone numbers or record numbers.
4. **No selling or spam.**
"""
REACTION_KINDS = [Reaction.Kind.LIKE, Reaction.Kind.HUG, Reaction.Kind.HELPFUL, Reaction.Kind.SAME]
REACTION_WEIGHTS = [50, 20, 20, 10]


class TextMaker:
    """Health-community-like sentences from the word lists, with Markdown now and then."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def fill(self, template: str, condition: str = "my condition") -> str:
        pick = self.rng.choice
        values = {
            "symptom": pick(SYMPTOMS),
            "medication": pick(MEDICATIONS),
            "treatment": pick(TREATMENTS),
            "clinician": pick(CLINICIANS),
            "person": pick(PEOPLE),
            "duration": pick(DURATIONS),
            "feeling": pick(FEELINGS),
            "activity": pick(ACTIVITIES),
            "time": pick(TIMES),
            "appointment": pick(APPOINTMENTS),
            "condition": condition,
        }
        values.update(
            {f"{key}_cap": value[:1].upper() + value[1:] for key, value in values.items()}
        )
        return template.format(**values)

    def _emphasise(self, sentence: str) -> str:
        words = sentence.split(" ")
        if len(words) < 4 or self.rng.random() > 0.5:
            return sentence
        start = self.rng.randrange(0, len(words) - 2)
        marker = self.rng.choice(["**", "_"])
        words[start] = marker + words[start]
        words[start + 1] = words[start + 1].rstrip(".,?!") + marker
        return " ".join(words)

    def paragraph(self, templates: Sequence[str], sentences: int) -> str:
        text = " ".join(self.fill(self.rng.choice(templates)) for _ in range(sentences))
        return self._emphasise(text) if self.rng.random() < 0.15 else text

    def _markdown_block(self) -> str:
        roll = self.rng.random()
        if roll < 0.45:
            items = self.rng.sample(ACTIVITIES, self.rng.randint(2, 4))
            lead = self.rng.choice(["What helped me:", "Things I tried:", "My routine now:"])
            return lead + "\n\n" + "\n".join(f"- {item[:1].upper()}{item[1:]}" for item in items)
        if roll < 0.7:
            return "> " + self.fill(self.rng.choice(OPENER_SENTENCES))
        if roll < 0.85:
            label, url = self.rng.choice(LINKS)
            return f"There is some good information in [{label}]({url})."
        if roll < 0.95:
            steps = self.rng.sample(REPLY_SENTENCES, 3)
            return "\n".join(f"{number}. {self.fill(step)}" for number, step in enumerate(steps, 1))
        return "## Update\n\n" + self.fill(self.rng.choice(REPLY_SENTENCES))

    def opener(self) -> str:
        paragraphs = [
            self.paragraph(OPENER_SENTENCES, self.rng.randint(2, 4))
            for _ in range(self.rng.randint(1, 3))
        ]
        if self.rng.random() < 0.2:
            paragraphs.insert(self.rng.randint(1, len(paragraphs)), self._markdown_block())
        paragraphs.append(self.fill(self.rng.choice(OPENER_CLOSERS)))
        return "\n\n".join(paragraphs)

    def reply(self) -> str:
        count = self.rng.choices([1, 1, 2, 2, 3, 4], k=1)[0]
        paragraphs = [self.paragraph(REPLY_SENTENCES, self.rng.randint(1, 3)) for _ in range(count)]
        if self.rng.random() < 0.12:
            paragraphs.insert(self.rng.randint(0, len(paragraphs)), self._markdown_block())
        return "\n\n".join(paragraphs)

    def title(self, condition: str) -> str:
        title = self.fill(self.rng.choice(TITLE_TEMPLATES), condition=condition)
        return title[:1].upper() + title[1:]


# --- Plan -----------------------------------------------------------------------------------------


@dataclass
class TopicPlan:
    id: int
    community: int  # index into the community list
    author: int  # user id
    title: str
    is_question: bool
    created_at: datetime
    reply_count: int = 0
    last_posted_at: datetime | None = None
    last_poster: int | None = None
    first_post_id: int | None = None
    accepted_post_id: int | None = None
    post_ids: list[int] = field(default_factory=list)


@dataclass
class PostPlan:
    created_at: datetime
    topic: int  # index into the topic list
    position: int
    author: int  # user id
    text: int  # index into the text pool
    id: int = 0


def zipf_weights(count: int, *, offset: float, exponent: float = 1.0) -> list[float]:
    return [1.0 / (rank + offset) ** exponent for rank in range(count)]


def allocate(total: int, weights: Sequence[float], cap: int, rng: random.Random) -> list[int]:
    """Split `total` into integer shares proportional to `weights`, none above `cap`."""
    counts = [0] * len(weights)
    active = [index for index, weight in enumerate(weights) if weight > 0]
    remaining = total
    while remaining > 0 and active:
        weight_sum = sum(weights[index] for index in active)
        given = 0
        still_open = []
        for index in active:
            share = int(weights[index] / weight_sum * remaining)
            if counts[index] + share >= cap:
                share = cap - counts[index]
            else:
                still_open.append(index)
            counts[index] += share
            given += share
        remaining -= given
        active = still_open
        if given == 0:
            # Less than one each left: hand out the remainder one by one, weighted.
            cumulative = list(itertools.accumulate(weights[index] for index in active))
            while remaining > 0 and active:
                pick = active[bisect.bisect(cumulative, rng.random() * cumulative[-1])]
                if counts[pick] < cap:
                    counts[pick] += 1
                    remaining -= 1
                elif all(counts[index] >= cap for index in active):
                    break
    return counts


class WeightedPicker:
    """O(log n) weighted choice over a fixed population."""

    def __init__(self, population: Sequence[int], weights: Sequence[float], rng: random.Random):
        self.population = population
        self.cumulative = list(itertools.accumulate(weights))
        self.rng = rng

    def __call__(self) -> int:
        index = bisect.bisect(self.cumulative, self.rng.random() * self.cumulative[-1])
        return self.population[min(index, len(self.population) - 1)]


def next_id(model: type[models.Model]) -> int:
    highest = model._default_manager.aggregate(highest=models.Max("pk"))["highest"]
    return (highest or 0) + 1


# --- Command --------------------------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Bulk-insert a realistic load-test data set (users, communities, topics, posts, "
        "memberships, reactions) with consistent counters. For bench databases only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=5000)
        parser.add_argument("--communities", type=int, default=12)
        parser.add_argument("--topics", type=int, default=10000)
        parser.add_argument(
            "--posts", type=int, default=200000, help="Total posts, first posts included."
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--password",
            default="",
            help="One password for every generated member (hashed once); unusable if empty.",
        )
        parser.add_argument(
            "--distinct-texts",
            type=int,
            default=12000,
            help="Size of the pool of post texts; each is rendered to HTML once.",
        )
        parser.add_argument("--days", type=int, default=730, help="History span in days.")
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument(
            "--analyze",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="Refresh planner statistics at the end (default: on for PostgreSQL only, "
            "as autovacuum would; an SQLite database never analyses itself).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        users, topics, posts = options["users"], options["topics"], options["posts"]
        community_count = options["communities"]
        if users < 10 or community_count < 1 or topics < 1:
            raise CommandError("Use at least 10 users, 1 community and 1 topic.")
        if posts < topics:
            raise CommandError("--posts counts first posts too, so it must be >= --topics.")
        self.batch_size = max(1, options["batch_size"])
        self.rng = random.Random(options["seed"])
        self.started = time.monotonic()
        self.now = timezone.now()
        self.span = timedelta(days=max(1, options["days"]))
        database = connection.settings_dict["NAME"]
        self.say(f"Generating into {connection.vendor} database {database}")

        self.text = TextMaker(self.rng)
        with transaction.atomic():
            user_ids = self.create_users(users, options["password"])
            communities = self.create_communities(community_count, user_ids[0])
            topic_plans = self.plan_topics(topics, communities, user_ids)
            post_plans = self.plan_posts(posts - topics, topic_plans, user_ids)
            members = self.create_memberships(communities, topic_plans, post_plans, user_ids)
            texts = self.render_texts(options["distinct_texts"], len(post_plans), topics)
            self.create_topics_and_posts(communities, topic_plans, post_plans, texts, members)
            self.update_communities(communities, topic_plans)
            self.reset_sequences()
        analyze = options["analyze"]
        if analyze is None:
            analyze = connection.vendor == "postgresql"
        if analyze:
            self.analyze()
        self.say(
            f"Done: {users} members, {len(communities)} communities, {topics} topics, "
            f"{len(post_plans)} posts, {self.reaction_total} reactions, "
            f"{self.membership_total} memberships",
            style=self.style.SUCCESS,
        )

    # --- helpers ---

    def say(self, message: str, style: Callable[[str], str] | None = None) -> None:
        elapsed = time.monotonic() - self.started
        line = f"[{elapsed:7.1f} s] {message}"
        self.stdout.write(style(line) if style else line)
        self.stdout.flush()

    def insert(self, model: type[models.Model], rows: Iterable[dict[str, Any]], label: str) -> int:
        """INSERT `rows` (field name -> value) with executemany in batches.

        Much faster than bulk_create, which spends most of its time building model instances
        and SQL. Fields a row leaves out get their default; timestamps are taken as given.
        """
        iterator = iter(rows)
        first_row = next(iterator, None)
        if first_row is None:
            self.say(f"{label}: 0 rows")
            return 0
        meta = model._meta
        given: list[models.Field[Any, Any]] = []
        for name in first_row:
            model_field = meta.get_field(name)
            if not isinstance(model_field, models.Field) or not model_field.concrete:
                raise CommandError(f"{meta.label}.{name} is not a column")
            given.append(model_field)
        defaults: list[Any] = []
        for model_field in meta.concrete_fields:
            if model_field in given or model_field.primary_key:
                continue
            if model_field.has_default():
                value = model_field.get_default()
            elif model_field.null:
                value = None
            elif getattr(model_field, "auto_now", False) or getattr(
                model_field, "auto_now_add", False
            ):
                value = self.now
            else:
                raise CommandError(f"{meta.label}.{model_field.name} needs a value")
            given.append(model_field)
            defaults.append(model_field.get_db_prep_save(value, connection))
        preparers = [self.preparer(model_field) for model_field in given[: len(first_row)]]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(str(model_field.column)) for model_field in given)
        placeholders = ", ".join(["%s"] * len(given))
        # Identifiers come from the model's metadata; every value is a bound parameter.
        sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608

        def prepared(row: dict[str, Any]) -> tuple[Any, ...]:
            values = [
                prepare(value) if prepare else value
                for prepare, value in zip(preparers, row.values(), strict=True)
            ]
            return (*values, *defaults)

        total = 0
        last_report = time.monotonic()
        batches = itertools.chain([first_row], iterator)
        with self.fast_cursor() as cursor:
            while batch := [prepared(row) for row in itertools.islice(batches, self.batch_size)]:
                # One short statement, many rows: parsed once, pipelined by psycopg, looped in C
                # by sqlite3. (Multi-row VALUES is slower: psycopg re-parses every long query.)
                cursor.executemany(sql, batch)
                total += len(batch)
                if time.monotonic() - last_report > 3:
                    self.say(f"  {label}: {total} rows")
                    last_report = time.monotonic()
        self.say(f"{label}: {total} rows")
        return total

    @staticmethod
    def preparer(model_field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
        """How a value of `model_field` is adapted for the database; None: passed as is.

        Only timestamps and JSON need the backend's adaptation (ints, bools and text do not),
        and the adapters are called directly: the field's full get_db_prep_save path costs
        more than the INSERT itself.
        """
        operations = connection.ops
        if isinstance(model_field, models.DateTimeField):
            return operations.adapt_datetimefield_value
        if isinstance(model_field, models.JSONField):
            encoder = model_field.encoder
            return lambda value: (
                None if value is None else operations.adapt_json_value(value, encoder)
            )
        if isinstance(model_field, models.DateField):
            return operations.adapt_datefield_value
        return None

    @contextlib.contextmanager
    def fast_cursor(self) -> Iterator[Any]:
        """A cursor for bulk inserts, without Django's query logging.

        On PostgreSQL it binds parameters on the server (Django's default cursor quotes every
        value into the SQL text on the client, which dominates the time of a bulk load).
        """
        connection.ensure_connection()
        if connection.vendor == "postgresql":
            import psycopg

            with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
                yield cursor
            return
        with connection.make_cursor(connection.create_cursor()) as cursor:
            yield cursor

    def random_moment(self, earliest: datetime) -> datetime:
        seconds = max(1.0, (self.now - earliest).total_seconds())
        return earliest + timedelta(seconds=self.rng.random() * seconds)

    # --- users and communities ---

    def create_users(self, count: int, password: str) -> list[int]:
        # Hashing is deliberately slow (argon2): do it once and share the hash.
        password_hash = make_password(password or None)
        first = next_id(User)
        ids = list(range(first, first + count))
        start = self.now - self.span
        joined = sorted(self.random_moment(start) for _ in ids)

        def rows() -> Iterator[dict[str, Any]]:
            for offset, user_id in enumerate(ids):
                name = f"{self.rng.choice(ADJECTIVES)}{self.rng.choice(NOUNS)}"
                handle = f"{name.lower()}{user_id}"
                roll = self.rng.random()
                yield dict(
                    id=user_id,
                    email=f"{handle}@bench.carecircle.test",
                    display_name=name if self.rng.random() < 0.7 else f"{name} {user_id}",
                    handle=handle,
                    password=password_hash,
                    is_patient=roll < 0.6,
                    is_caregiver=0.5 < roll < 0.85,
                    is_professional=roll > 0.95,
                    # The first member manages the site; a few more moderate it.
                    is_site_manager=offset == 0,
                    is_site_moderator=1 <= offset <= 3,
                    date_joined=joined[offset],
                )

        self.insert(User, rows(), "members")
        self.insert(
            EmailAddress,
            (
                {"user_id": user_id, "email": email, "verified": True, "primary": True}
                for user_id, email in User.objects.filter(id__gte=first)
                .order_by("id")
                .values_list("id", "email")
                .iterator()
            ),
            "verified email addresses",
        )
        return ids

    def create_communities(self, count: int, manager_id: int) -> list[Community]:
        taken_names = set(Community.objects.values_list("name", flat=True))
        taken_slugs = set(Community.objects.values_list("slug", flat=True))
        first = next_id(Community)
        communities = []
        for index in range(count):
            is_announcements = index == count - 1 and count >= 4
            base, condition = COMMUNITY_NAMES[index % len(COMMUNITY_NAMES)]
            if is_announcements:
                base, condition = "Announcements", "news from the site team"
            elif index >= len(COMMUNITY_NAMES):
                base = f"{base} {index // len(COMMUNITY_NAMES) + 1}"
            name, suffix = base, 1
            while name in taken_names or slugify(name) in taken_slugs:
                suffix += 1
                name = f"{base} ({suffix})"
            taken_names.add(name)
            taken_slugs.add(slugify(name))
            if is_announcements:
                kind, visibility = Community.Kind.ANNOUNCEMENTS, Community.Visibility.PUBLIC
            elif base in GENERAL_COMMUNITIES:
                kind, visibility = Community.Kind.GENERAL, Community.Visibility.PUBLIC
            else:
                kind = Community.Kind.CONDITION
                # Most are public; every fifth is members-only, the second to last hidden.
                visibility = Community.Visibility.PUBLIC
                if index % 5 == 4:
                    visibility = Community.Visibility.MEMBERS
                if index == count - 2 and count >= 8:
                    visibility = Community.Visibility.HIDDEN
            created = self.now - self.span - timedelta(days=1)
            community = Community(
                id=first + index,
                name=name,
                slug=slugify(name)[:80],
                description=(
                    "News from the site team."
                    if is_announcements
                    else f"For people living with {condition} and those who support them."
                ),
                kind=kind,
                visibility=visibility,
                guidelines=GUIDELINES,
                created_by_id=manager_id,
                created_at=created,
                updated_at=created,
            )
            community.condition = condition  # type: ignore[attr-defined]
            communities.append(community)
        self.insert(
            Community,
            (
                {f.attname: getattr(community, f.attname) for f in Community._meta.concrete_fields}
                for community in communities
            ),
            "communities",
        )
        return communities

    # --- planning ---

    def plan_topics(
        self, count: int, communities: list[Community], user_ids: list[int]
    ) -> list[TopicPlan]:
        """Topics spread over communities with a few big ones and a long tail."""
        weights = zipf_weights(len(communities), offset=1.0, exponent=1.1)
        announcements = [
            i for i, c in enumerate(communities) if c.kind == Community.Kind.ANNOUNCEMENTS
        ]
        for index in announcements:
            weights[index] = min(weights) * 0.5
        pick_community = WeightedPicker(range(len(communities)), weights, self.rng)
        self.plan_affiliations(communities, user_ids)
        staff = user_ids[:4]
        first = next_id(Topic)
        start = self.now - self.span
        moments = sorted(self.random_moment(start) for _ in range(count))
        plans = []
        for offset in range(count):
            community_index = pick_community()
            community = communities[community_index]
            is_announcement = community.kind == Community.Kind.ANNOUNCEMENTS
            title = self.text.title(getattr(community, "condition", "my condition"))
            plans.append(
                TopicPlan(
                    id=first + offset,
                    community=community_index,
                    author=(
                        self.rng.choice(staff)
                        if is_announcement
                        else self.pick_author(community_index)
                    ),
                    title=title[:200],
                    is_question=title.endswith("?") and self.rng.random() < 0.7,
                    created_at=moments[offset],
                )
            )
        self.say(f"planned {count} topics")
        return plans

    def plan_affiliations(self, communities: list[Community], user_ids: list[int]) -> None:
        """Each member belongs to one to three communities, more often the big ones.

        Activity is skewed: a few members write a lot, most write a little. Members mostly
        write in their own communities, so member counts differ as much as topic counts.
        """
        shuffled = list(user_ids[4:])
        self.rng.shuffle(shuffled)
        activity = dict(zip(shuffled, zipf_weights(len(shuffled), offset=10.0), strict=True))
        self.pick_anyone = WeightedPicker(shuffled, list(activity.values()), self.rng)
        weights = zipf_weights(len(communities), offset=1.0, exponent=1.1)
        pick_community = WeightedPicker(range(len(communities)), weights, self.rng)
        self.affiliated: list[dict[int, None]] = [{} for _ in communities]
        for user_id in shuffled:
            for _ in range(self.rng.choice([1, 1, 1, 2, 2, 3])):
                self.affiliated[pick_community()][user_id] = None
        self.community_pickers = [
            WeightedPicker(list(users), [activity[user] for user in users], self.rng)
            if users
            else self.pick_anyone
            for users in self.affiliated
        ]

    def pick_author(self, community_index: int) -> int:
        if self.rng.random() < 0.08:
            return self.pick_anyone()
        return self.community_pickers[community_index]()

    def plan_posts(
        self, replies: int, topics: list[TopicPlan], user_ids: list[int]
    ) -> list[PostPlan]:
        """First posts plus `replies` replies, skewed: a few topics with thousands."""
        weights = [self.rng.paretovariate(1.2) for _ in topics]
        cap = max(-(-replies // len(topics)), min(replies // 40, 20000), 1)
        counts = allocate(replies, weights, cap, self.rng)
        # The busiest thread lives in the biggest community, where people look first.
        busiest = max(range(len(topics)), key=counts.__getitem__)
        in_biggest = [index for index, topic in enumerate(topics) if topic.community == 0]
        if in_biggest:
            target = in_biggest[len(in_biggest) // 4]
            counts[busiest], counts[target] = counts[target], counts[busiest]
        plans: list[PostPlan] = []
        for index, topic in enumerate(topics):
            count = counts[index]
            topic.reply_count = count
            plans.append(PostPlan(topic.created_at, index, 1, topic.author, 0))
            if not count:
                continue
            age = (self.now - topic.created_at).total_seconds()
            # Busy threads stay alive longer; the busiest ones are still going today.
            active = min(age, self.rng.uniform(0.5, 20) * 86400 * (1 + count / 40))
            moments = sorted(
                topic.created_at + timedelta(seconds=60 + self.rng.random() * active)
                for _ in range(count)
            )
            for position, moment in enumerate(moments, start=2):
                if self.rng.random() < 0.08:
                    author = topic.author
                else:
                    author = self.pick_author(topic.community)
                plans.append(PostPlan(min(moment, self.now), index, position, author, 0))
        # Insert in time order, so one topic's posts are spread through the table as in life.
        plans.sort(key=lambda plan: plan.created_at)
        first = next_id(Post)
        for offset, plan in enumerate(plans):
            plan.id = first + offset
            topic = topics[plan.topic]
            topic.post_ids.append(plan.id)
            if plan.position == 1:
                topic.first_post_id = plan.id
            if topic.last_posted_at is None or plan.created_at >= topic.last_posted_at:
                topic.last_posted_at = plan.created_at
                topic.last_poster = plan.author
        biggest = sorted(counts, reverse=True)[:5]
        self.say(f"planned {len(plans)} posts; busiest topics have {biggest} replies")
        return plans

    def create_memberships(
        self,
        communities: list[Community],
        topics: list[TopicPlan],
        posts: list[PostPlan],
        user_ids: list[int],
    ) -> list[list[int]]:
        """Everyone who posts in a community, and everyone affiliated with it, is a member."""
        members: list[dict[int, str]] = [{} for _ in communities]
        joined: list[dict[int, datetime]] = [{} for _ in communities]
        for post in posts:
            index = topics[post.topic].community
            if post.author not in members[index]:
                members[index][post.author] = Membership.Role.MEMBER
                joined[index][post.author] = post.created_at - timedelta(minutes=5)
        start = self.now - self.span
        for index, affiliated in enumerate(self.affiliated):
            for user_id in affiliated:
                if user_id not in members[index]:
                    # A reader who has not posted (yet).
                    members[index][user_id] = Membership.Role.MEMBER
                    joined[index][user_id] = self.random_moment(start)
        for index, community in enumerate(communities):
            # The site manager manages every community; its most active members moderate.
            members[index][user_ids[0]] = Membership.Role.MANAGER
            joined[index][user_ids[0]] = community.created_at
            for staff_id in user_ids[1:4]:
                members[index].setdefault(staff_id, Membership.Role.MEMBER)
                joined[index].setdefault(staff_id, community.created_at)
            regulars = [user for user in members[index] if user not in user_ids[:4]][:2]
            for user_id in regulars:
                members[index][user_id] = Membership.Role.MODERATOR
            community.member_count = len(members[index])

        def memberships() -> Iterator[dict[str, Any]]:
            for index, community in enumerate(communities):
                for user_id, role in members[index].items():
                    moment = joined[index][user_id]
                    yield dict(
                        community_id=community.pk,
                        user_id=user_id,
                        role=role,
                        guidelines_version=community.guidelines_version,
                        guidelines_accepted_at=moment,
                        created_at=moment,
                        updated_at=moment,
                    )

        def acceptances() -> Iterator[dict[str, Any]]:
            for index, community in enumerate(communities):
                for user_id in members[index]:
                    yield dict(
                        community_id=community.pk,
                        user_id=user_id,
                        guidelines_version=community.guidelines_version,
                        accepted_at=joined[index][user_id],
                    )

        self.membership_total = self.insert(Membership, memberships(), "memberships")
        self.insert(GuidelinesAcceptance, acceptances(), "guidelines acceptances")
        return [list(community_members) for community_members in members]

    def render_texts(self, distinct: int, posts: int, topics: int) -> list[tuple[str, str]]:
        """A pool of texts, each rendered once; posts share them. Openers come first."""
        openers = max(1, min(topics, distinct // 4))
        replies = max(1, min(posts - topics, distinct - openers))
        pool = []
        last_report = time.monotonic()
        for index in range(openers + replies):
            body = self.text.opener() if index < openers else self.text.reply()
            pool.append((body, render_markdown(body)))
            if time.monotonic() - last_report > 3:
                self.say(f"  rendered {index + 1} of {openers + replies} distinct texts")
                last_report = time.monotonic()
        self.openers = openers
        self.say(f"rendered {len(pool)} distinct texts ({openers} openers)")
        return pool

    # --- topics, posts, reactions ---

    def create_topics_and_posts(
        self,
        communities: list[Community],
        topics: list[TopicPlan],
        posts: list[PostPlan],
        texts: list[tuple[str, str]],
        members: list[list[int]],
    ) -> None:
        deleted: set[int] = set()
        edited: set[int] = set()
        for post in posts:
            if post.position > 1:
                post.text = self.rng.randrange(self.openers, len(texts)) if len(texts) > 1 else 0
                roll = self.rng.random()
                if roll < 0.004:
                    deleted.add(post.id)
                elif roll < 0.02:
                    edited.add(post.id)
            else:
                post.text = self.rng.randrange(self.openers)
        # Some questions have an accepted answer: an early, not deleted reply.
        for topic in topics:
            if topic.is_question and topic.reply_count and self.rng.random() < 0.4:
                early = sorted(topic.post_ids)[1 : 1 + min(5, topic.reply_count)]
                candidates = [post_id for post_id in early if post_id not in deleted]
                topic.accepted_post_id = self.rng.choice(candidates) if candidates else None
        reactions = self.plan_reactions(communities, topics, posts, members, deleted)

        community_ids = [community.pk for community in communities]

        def topic_rows() -> Iterator[dict[str, Any]]:
            for topic in topics:
                assert topic.last_posted_at is not None
                yield dict(
                    id=topic.id,
                    community_id=community_ids[topic.community],
                    author_id=topic.author,
                    title=topic.title,
                    is_question=topic.is_question,
                    is_pinned=False,
                    reply_count=topic.reply_count,
                    last_posted_at=topic.last_posted_at,
                    last_poster_id=topic.last_poster,
                    created_at=topic.created_at,
                    updated_at=topic.last_posted_at,
                )

        self.insert(Topic, topic_rows(), "topics")

        def post_rows() -> Iterator[dict[str, Any]]:
            for post in posts:
                body, body_html = texts[post.text]
                is_deleted = post.id in deleted
                is_edited = post.id in edited
                changed = post.created_at + timedelta(hours=1)
                yield dict(
                    id=post.id,
                    topic_id=topics[post.topic].id,
                    author_id=post.author,
                    position=post.position,
                    body=body,
                    body_html=body_html,
                    is_deleted=is_deleted,
                    deleted_at=changed if is_deleted else None,
                    deleted_by_id=post.author if is_deleted else None,
                    edited_at=changed if is_edited else None,
                    edit_count=1 if is_edited else 0,
                    reply_to_id=(
                        topics[post.topic].first_post_id
                        if post.position > 2 and self.rng.random() < 0.05
                        else None
                    ),
                    reaction_counts=reactions.get(post.id, {}).get("counts", {}),
                    created_at=post.created_at,
                    updated_at=changed if (is_deleted or is_edited) else post.created_at,
                )

        self.insert(Post, post_rows(), "posts")

        def revision_rows() -> Iterator[dict[str, Any]]:
            for post in posts:
                if post.id in edited:
                    yield dict(
                        post_id=post.id,
                        editor_id=post.author,
                        number=1,
                        body=texts[self.rng.randrange(len(texts))][0],
                        title="",
                        reason=self.rng.choice(["", "typo", "added an update"]),
                        created_at=post.created_at + timedelta(hours=1),
                    )

        self.insert(PostRevision, revision_rows(), "post revisions")

        # A few pinned and locked topics per community; accepted answers now that posts exist.
        pinned: list[int] = []
        locked: list[int] = []
        by_community: dict[int, list[TopicPlan]] = defaultdict(list)
        for topic in topics:
            by_community[topic.community].append(topic)
        for community_topics in by_community.values():
            pinned += [topic.id for topic in community_topics[:2]]
            locked += [t.id for t in community_topics[2:] if self.rng.random() < 0.003]
        Topic.objects.filter(id__in=pinned).update(is_pinned=True)
        Topic.objects.filter(id__in=locked).update(is_locked=True)
        accepted = [
            Topic(id=topic.id, accepted_post_id=topic.accepted_post_id)
            for topic in topics
            if topic.accepted_post_id
        ]
        Topic.objects.bulk_update(accepted, ["accepted_post"], batch_size=self.batch_size)
        self.say(f"pinned {len(pinned)}, locked {len(locked)}, accepted answers {len(accepted)}")

        def reaction_rows() -> Iterator[dict[str, Any]]:
            for post in posts:
                for user_id, kind in reactions.get(post.id, {}).get("rows", []):
                    yield dict(
                        post_id=post.id,
                        user_id=user_id,
                        kind=kind,
                        created_at=post.created_at + timedelta(minutes=30),
                    )

        self.reaction_total = self.insert(Reaction, reaction_rows(), "reactions")

    def plan_reactions(
        self,
        communities: list[Community],
        topics: list[TopicPlan],
        posts: list[PostPlan],
        members: list[list[int]],
        deleted: set[int],
    ) -> dict[int, dict[str, Any]]:
        """Most posts get none, some get a few, popular first posts get many; all by members."""
        plans: dict[int, dict[str, Any]] = {}
        for post in posts:
            if post.id in deleted or self.rng.random() < 0.6:
                continue
            topic = topics[post.topic]
            wanted = min(int(self.rng.paretovariate(1.6)), 30)
            if post.position == 1:
                wanted += min(topic.reply_count // 10, 40)
            community_members = members[topic.community]
            given: set[tuple[int, str]] = set()
            for _ in range(wanted):
                user_id = community_members[self.rng.randrange(len(community_members))]
                if user_id == post.author:
                    continue
                kind = self.rng.choices(REACTION_KINDS, REACTION_WEIGHTS)[0]
                given.add((user_id, str(kind)))
            if given:
                counts = {
                    str(kind): sum(1 for _user, k in given if k == kind) for kind in REACTION_KINDS
                }
                plans[post.id] = {
                    "rows": sorted(given),
                    "counts": {kind: value for kind, value in counts.items() if value},
                }
        return plans

    # --- counters and housekeeping ---

    def update_communities(self, communities: list[Community], topics: list[TopicPlan]) -> None:
        """topic_count, post_count, member_count and last_activity_at as the actions keep them."""
        topic_count: dict[int, int] = defaultdict(int)
        post_count: dict[int, int] = defaultdict(int)
        last: dict[int, datetime] = {}
        for topic in topics:
            topic_count[topic.community] += 1
            post_count[topic.community] += topic.reply_count + 1
            assert topic.last_posted_at is not None
            if topic.community not in last or topic.last_posted_at > last[topic.community]:
                last[topic.community] = topic.last_posted_at
        for index, community in enumerate(communities):
            community.topic_count = topic_count[index]
            community.post_count = post_count[index]
            community.last_activity_at = last.get(index)
        Community.objects.bulk_update(
            communities, ["topic_count", "post_count", "member_count", "last_activity_at"]
        )
        self.say("community counters updated")

    def reset_sequences(self) -> None:
        """Explicit ids were used: move PostgreSQL's sequences past them (SQLite needs nothing)."""
        statements = connection.ops.sequence_reset_sql(
            no_style(),
            [
                User,
                EmailAddress,
                Community,
                Membership,
                GuidelinesAcceptance,
                Topic,
                Post,
                PostRevision,
                Reaction,
            ],
        )
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def analyze(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.say("planner statistics refreshed (ANALYZE)")
