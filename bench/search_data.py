"""A health-forum data set for the search bench: members, communities, topics and posts.

Text is drawn from one ranked vocabulary with Zipf-like frequencies: filler words at the top,
everyday health words (pain, tired, doctor, medication ...) among them, drug names and rare
conditions far down the tail, and made-up words for the long tail a real forum has. Now and
then a fixed phrase ("heart attack", "side effects") goes in whole, so phrase and synonym
queries have something to find. The same seed gives the same rows.

Rows are written straight to the tables, bypassing the actions (they would take hours for a
million posts): COPY on PostgreSQL, executemany in large batches on SQLite, all in one
transaction. Ids are assigned here, so every reference is consistent by construction.
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from carecircle.accounts.models import User
from carecircle.communities.models import Community, Membership
from carecircle.discussions.models import Post, Topic, TopicAlias

# --- Vocabulary -----------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


FILLER = _words(
    """the i and to a of it my in is that for have but was me on with this so not be just at
do been had as are you about all get like what can if or some now when one still going back also
would much more after any has from they them got think over because out up even last things
started see very anyone else tried try thanks hope same here really know day days time week weeks
months year years today feel felt lot little bit well make made take taking went go said told
which their there could how who other first new again never always sometimes maybe though
through around before while since until each every few most our your we he she his her us
able find found keep kept need needed want wanted thought seem seems getting trying
"""
)
COMMON = _words(
    """pain tired doctor medication fatigue sleep symptoms anxiety appointment blood test
results nurse hospital diagnosis treatment dose tablets headache nausea dizzy exercise diet
weight chest breathing stress depression therapy specialist gp consultant scan bloods
inflammation joint joints muscle legs stomach infection antibiotics flare flares insulin sugar
levels energy mood referral prescription pharmacist physio walking swelling rash fever cough
painkillers steroids exhausted worse better improving waiting clinic surgery recovery diagnosed
condition chronic relapse remission support carer family husband wife partner mum dad work
night morning evening bed rest pacing appetite vitamin iron thyroid kidney liver heart lungs
skin bowel bladder memory concentration vision hearing balance numbness tingling cramps
spasms stiffness ache aching sore tender migraine insomnia nightmares panic worried scared
frustrated lonely hopeful grateful relieved overwhelmed coping managing dosage reduced
increased stopped started switched injection infusion inhaler patch cream
"""
)
RARE_DRUGS = _words(
    """adalimumab etanercept ustekinumab tofacitinib baricitinib upadacitinib ocrelizumab
natalizumab fingolimod teriflunomide cladribine alemtuzumab semaglutide tirzepatide empagliflozin
dapagliflozin sacubitril ivabradine apixaban rivaroxaban edoxaban dabigatran lamotrigine
levetiracetam topiramate erenumab fremanezumab galcanezumab rimegepant duloxetine mirtazapine
vortioxetine quetiapine hydroxychloroquine mycophenolate azathioprine ciclosporin tacrolimus
rituximab belimumab anifrolumab infliximab vedolizumab mesalazine budesonide secukinumab
ixekizumab guselkumab risankizumab dupilumab omalizumab mepolizumab benralizumab tiotropium
montelukast roflumilast pirfenidone nintedanib tolvaptan finerenone denosumab romosozumab
teriparatide alendronate zoledronate levodopa carbidopa rasagiline safinamide ropinirole
pramipexole donepezil memantine rivastigmine galantamine lecanemab modafinil pitolisant
sodium oxybate ivermectin colchicine febuxostat allopurinol anakinra canakinumab tocilizumab
sarilumab abatacept certolizumab golimumab apremilast deucravacitinib
"""
)
RARE_CONDITIONS = _words(
    """sarcoidosis amyloidosis myasthenia gastroparesis dysautonomia ehlers danlos
behcets vasculitis scleroderma addisons cushings acromegaly porphyria hemochromatosis
huntingtons syringomyelia hydrocephalus narcolepsy cataplexy trigeminal neuralgia
polymyalgia rheumatica sjogrens achalasia eosinophilic oesophagitis bronchiectasis
pneumothorax cardiomyopathy pericarditis endocarditis raynauds erythromelalgia mastocytosis
pemphigus hidradenitis lichen sclerosus vulvodynia interstitial cystitis adenomyosis
hyperparathyroidism hypoparathyroidism pheochromocytoma neuroendocrine mesothelioma
"""
)
# Whole phrases that go in together: for phrase and synonym queries.
PHRASES = [
    "side effects", "blood pressure", "high blood pressure", "brain fog", "chest pain",
    "heart attack", "short of breath", "panic attack", "blood test", "pain clinic",
    "myocardial infarction", "low mood", "back pain", "blood sugar", "sleep apnoea",
    "chronic fatigue", "joint pain", "hot flushes", "weight gain", "hair loss",
    "cardiac arrest", "stroke recovery", "mental health", "support group", "waiting list",
]  # fmt: skip
COMMUNITY_CONDITIONS = [
    "Type 2 Diabetes", "Type 1 Diabetes", "Long COVID", "Caregivers", "Chronic Pain",
    "Breast Cancer", "Multiple Sclerosis", "Heart Failure", "Depression and Anxiety",
    "Rheumatoid Arthritis", "Crohn's and Colitis", "Parkinson's", "Asthma", "Migraine",
    "Fibromyalgia", "Kidney Disease", "COPD", "Epilepsy", "Lupus", "Stroke Recovery",
    "Dementia Carers", "Endometriosis", "Thyroid Conditions", "Sleep Apnoea", "Coeliac Disease",
    "Psoriasis", "Prostate Cancer", "ME/CFS", "Bipolar Disorder", "Hearing Loss", "Osteoporosis",
    "Sarcoidosis", "Myasthenia Gravis", "Ehlers-Danlos", "Atrial Fibrillation", "Menopause",
    "Gout", "Glaucoma", "Tinnitus", "Eczema",
]  # fmt: skip
SYLLABLES = _words(
    "ba be bi bo bu da de di do du ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu "
    "ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo vu zan mel tor vin dra ple stro"
)
SENTENCE_ENDS = [".", ".", ".", "!", "?"]


@dataclass(frozen=True)
class Vocabulary:
    """Words in frequency rank order with cumulative Zipf weights, and the query words."""

    words: list[str]
    cumulative: list[float]
    title_words: list[str]
    title_cumulative: list[float]

    @classmethod
    def build(cls, rng: random.Random, tail_size: int = 25_000) -> Vocabulary:
        """Filler and common health words share the head; rare words sit far down the tail."""
        filler, common = list(FILLER), list(COMMON)
        # Only filler at the very top (the, i, and ...), health words woven in from rank 40 on,
        # so "pain" is in about one post in six, as on a real forum, not in most.
        head = filler[:40]
        filler = filler[40:]
        while filler or common:
            for _ in range(2):
                if filler:
                    head.append(filler.pop(0))
            if common:
                head.append(common.pop(0))
        seen = set(head)
        tail: list[str] = []
        while len(tail) < tail_size:
            word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
            if word not in seen:
                seen.add(word)
                tail.append(word)
        # Rare words placed at ranks ~1,500-15,000 of the tail: a few hundred to a couple of
        # thousand posts each at a million posts.
        rare = [word for word in RARE_DRUGS + RARE_CONDITIONS if word not in seen]
        step = 13_000 // max(1, len(rare))
        for index, word in enumerate(rare):
            tail.insert(1_500 + index * step, word)
        words = head + tail
        weights = [1.0 / (rank + 2.7) ** 1.03 for rank in range(len(words))]
        # Titles skip the filler: they are mostly content words.
        title_words = [word for word in words if word not in set(FILLER)]
        title_weights = [1.0 / (rank + 4) for rank in range(len(title_words))]
        return cls(
            words=words,
            cumulative=list(itertools.accumulate(weights)),
            title_words=title_words,
            title_cumulative=list(itertools.accumulate(title_weights)),
        )

    def rank_of(self, word: str) -> int:
        return self.words.index(word)


class TextMaker:
    """Sentences of Zipf-drawn words with a phrase now and then."""

    def __init__(self, vocabulary: Vocabulary, rng: random.Random) -> None:
        self.vocabulary = vocabulary
        self.rng = rng
        self.phrase_cumulative = list(
            itertools.accumulate(1.0 / (rank + 3) for rank in range(len(PHRASES)))
        )

    def _words(self, count: int) -> list[str]:
        vocabulary = self.vocabulary
        return self.rng.choices(vocabulary.words, cum_weights=vocabulary.cumulative, k=count)

    def _phrase(self) -> str:
        return self.rng.choices(PHRASES, cum_weights=self.phrase_cumulative, k=1)[0]

    def post(self) -> tuple[str, str]:
        """(Markdown body, body_html) of 40-120 words in one to three paragraphs."""
        rng = self.rng
        target = rng.randint(40, 120)
        words = self._words(target)
        # About one phrase per 100 words, inserted whole.
        for _ in range(int(target / 100 + rng.random())):
            words.insert(rng.randrange(len(words)), self._phrase())
        sentences: list[str] = []
        start = 0
        while start < len(words):
            length = rng.randint(6, 16)
            chunk = words[start : start + length]
            start += length
            text = " ".join(chunk)
            sentences.append(text[:1].upper() + text[1:] + rng.choice(SENTENCE_ENDS))
        paragraph_count = min(len(sentences), rng.choice([1, 1, 2, 2, 3]))
        cuts = sorted(rng.sample(range(1, len(sentences)), paragraph_count - 1))
        paragraphs = [
            " ".join(sentences[a:b]) for a, b in itertools.pairwise([0, *cuts, len(sentences)])
        ]
        body = "\n\n".join(paragraphs)
        html = "".join(f"<p>{paragraph}</p>\n" for paragraph in paragraphs)
        return body, html

    def title(self, is_question: bool) -> str:
        rng = self.rng
        vocabulary = self.vocabulary
        words = rng.choices(
            vocabulary.title_words, cum_weights=vocabulary.title_cumulative, k=rng.randint(3, 8)
        )
        if rng.random() < 0.15:
            words.insert(rng.randrange(len(words)), self._phrase())
        if is_question:
            words = [rng.choice(["anyone", "how", "does", "is", "should"]), *words]
        text = " ".join(words)
        return text[:1].upper() + text[1:] + ("?" if is_question else "")


# --- Writing --------------------------------------------------------------------------------------


class Writer:
    """Bulk rows into one table: COPY on PostgreSQL, executemany batches on SQLite.

    Rows are tuples in `columns` order; columns a row leaves out get their model default.
    """

    def __init__(self, say: Callable[[str], None], batch_size: int = 5_000) -> None:
        self.say = say
        self.batch_size = batch_size
        self.now = timezone.now()

    def _defaults(
        self, model: type[models.Model], columns: Sequence[str]
    ) -> tuple[list[str], list[Any]]:
        names, values = [], []
        for model_field in model._meta.concrete_fields:
            if model_field.attname in columns or model_field.primary_key:
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
                raise ValueError(f"{model._meta.label}.{model_field.name} needs a value")
            if isinstance(model_field, models.JSONField):
                value = json.dumps(value)
            names.append(str(model_field.column))
            values.append(value)
        return names, values

    def write(
        self,
        model: type[models.Model],
        columns: Sequence[str],
        rows: Iterable[tuple[Any, ...]],
        label: str,
    ) -> int:
        """Insert every row; returns how many. JSON columns take already-encoded strings."""
        meta = model._meta
        column_names = [str(meta.get_field(name).column) for name in columns]  # type: ignore[union-attr]
        default_names, default_values = self._defaults(model, columns)
        quote = connection.ops.quote_name
        all_columns = ", ".join(quote(name) for name in column_names + default_names)
        extra = tuple(default_values)
        total = 0
        started = time.monotonic()
        connection.ensure_connection()
        if connection.vendor == "postgresql":
            import psycopg

            raw = connection.connection
            # Identifiers come from the model's metadata; values travel as COPY data.
            statement = f"COPY {quote(meta.db_table)} ({all_columns}) FROM STDIN"
            with psycopg.Cursor(raw) as cursor, cursor.copy(statement) as copy:  # type: ignore[arg-type]
                for row in rows:
                    copy.write_row(row + extra)
                    total += 1
        else:
            placeholders = ", ".join(["%s"] * (len(column_names) + len(default_names)))
            sql = f"INSERT INTO {quote(meta.db_table)} ({all_columns}) VALUES ({placeholders})"  # noqa: S608
            adapt = connection.ops.adapt_datetimefield_value
            iterator = iter(rows)
            with connection.make_cursor(connection.create_cursor()) as sqlite_cursor:
                while batch := list(itertools.islice(iterator, self.batch_size)):
                    sqlite_cursor.executemany(
                        sql,
                        [
                            tuple(adapt(v) if isinstance(v, datetime) else v for v in row + extra)
                            for row in batch
                        ],
                    )
                    total += len(batch)
        self.say(f"{label}: {total:,} rows in {time.monotonic() - started:.1f} s")
        return total


# --- The data set ---------------------------------------------------------------------------------

SEARCHER_HANDLE = "benchsearcher"


@dataclass
class Dataset:
    """What was generated: counts, and the ids the latency bench needs."""

    seed: int
    posts: int
    topics: int
    users: int
    communities: int
    memberships: int
    searcher_id: int
    members_only_ids: list[int]
    searcher_community_ids: list[int]
    community_slugs: list[str]
    first_at: str
    last_at: str
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class _TopicRow:
    id: int
    community: int
    author: int | None
    alias: int | None
    alias_user: int
    title: str
    is_question: bool
    created_at: datetime
    replies: int
    accepted_post_id: int | None = None
    last_posted_at: datetime | None = None
    last_poster_id: int | None = None


def _next_id(model: type[models.Model]) -> int:
    highest = model._default_manager.aggregate(highest=models.Max("pk"))["highest"]
    return int(highest or 0) + 1


def _picker(weights: Sequence[float], rng: random.Random) -> Callable[[], int]:
    cumulative = list(itertools.accumulate(weights))
    total = cumulative[-1]
    last = len(cumulative) - 1

    def pick() -> int:
        return min(bisect.bisect(cumulative, rng.random() * total), last)

    return pick


def generate(
    *,
    posts: int,
    seed: int = 1,
    communities: int = 40,
    users: int | None = None,
    days: int = 1095,
    say: Callable[[str], None] = print,
) -> Dataset:
    """Write the whole data set in one transaction; the database must hold no forum rows yet."""
    if Post.objects.exists():
        raise SystemExit("The bench database already holds posts: drop it first.")
    started = time.monotonic()
    rng = random.Random(seed)
    vocabulary = Vocabulary.build(random.Random(seed + 1))
    text = TextMaker(vocabulary, rng)
    writer = Writer(say)
    now = timezone.now().replace(microsecond=0)
    start = now - timedelta(days=days)
    user_count = users or max(2_000, posts // 25)
    topic_count = max(1, posts // 16)
    community_count = min(communities, len(COMMUNITY_CONDITIONS))

    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Every reference is built consistent here; skipping the per-row foreign-key
            # triggers halves the load time. Only for this transaction, only on the bench db.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")

        # Members: one shared password hash (hashing is slow on purpose).
        first_user = _next_id(User)
        user_ids = list(range(first_user, first_user + user_count))
        password = make_password(None)
        joined = sorted(start + timedelta(seconds=rng.random() * days * 86_400) for _ in user_ids)
        adjectives = ["Sunny", "Quiet", "Brave", "Gentle", "Calm", "Bright", "Steady", "Kind"]
        nouns = ["Walker", "River", "Garden", "Robin", "Heron", "Reader", "Maple", "Otter"]

        def user_rows() -> Iterator[tuple[Any, ...]]:
            for offset, user_id in enumerate(user_ids):
                if offset == 0:
                    name, handle = "Bench Searcher", SEARCHER_HANDLE
                else:
                    name = f"{rng.choice(adjectives)} {rng.choice(nouns)}"
                    handle = f"{name.replace(' ', '').lower()}{user_id}"
                yield (
                    user_id,
                    f"{handle}@bench.carecircle.test",
                    name,
                    handle,
                    password,
                    rng.random() < 0.6,
                    joined[offset],
                )

        writer.write(
            User,
            ["id", "email", "display_name", "handle", "password", "is_patient", "date_joined"],
            user_rows(),
            "members",
        )

        # Communities: a few big ones and a long tail; every fifth members-only, one hidden.
        first_community = _next_id(Community)
        community_ids = list(range(first_community, first_community + community_count))
        visibility = []
        for index in range(community_count):
            if index == community_count - 3:
                visibility.append(Community.Visibility.HIDDEN)
            elif index % 5 == 3:
                visibility.append(Community.Visibility.MEMBERS)
            else:
                visibility.append(Community.Visibility.PUBLIC)
        slugs = [slugify(name)[:80] for name in COMMUNITY_CONDITIONS[:community_count]]
        created = start - timedelta(days=1)
        writer.write(
            Community,
            [
                "id",
                "name",
                "slug",
                "description",
                "visibility",
                "guidelines",
                "allow_anonymous_posts",
                "created_by_id",
                "created_at",
                "updated_at",
            ],  # fmt: skip
            (
                (
                    community_ids[index],
                    COMMUNITY_CONDITIONS[index],
                    slugs[index],
                    f"For people living with {COMMUNITY_CONDITIONS[index].lower()} and the "
                    "people who support them: symptoms, treatment, tired days and good ones.",
                    str(visibility[index]),
                    "Be kind. Share experience, not prescriptions.",
                    index % 2 == 0,
                    user_ids[0],
                    created,
                    created,
                )
                for index in range(community_count)
            ),
            "communities",
        )

        # Memberships: one to four communities each, the big ones more often. The searcher
        # belongs to six, three of them members-only.
        community_weights = [1.0 / (rank + 1.5) ** 1.1 for rank in range(community_count)]
        pick_community = _picker(community_weights, rng)
        members: list[list[int]] = [[] for _ in community_ids]
        members_only = [
            i for i, kind in enumerate(visibility) if kind == Community.Visibility.MEMBERS
        ]
        public = [i for i, kind in enumerate(visibility) if kind == Community.Visibility.PUBLIC]
        searcher_communities = members_only[:3] + public[:3]
        for offset, user_id in enumerate(user_ids):
            if offset == 0:
                chosen = set(searcher_communities)
            else:
                chosen = {pick_community() for _ in range(rng.choice([1, 1, 2, 2, 3, 4]))}
            for index in sorted(chosen):
                members[index].append(user_id)
        membership_count = writer.write(
            Membership,
            [
                "community_id",
                "user_id",
                "role",
                "guidelines_version",
                "guidelines_accepted_at",
                "created_at",
                "updated_at",
            ],  # fmt: skip
            (
                (community_ids[index], user_id, "member", 1, now, now, now)
                for index, ids in enumerate(members)
                for user_id in ids
            ),
            "memberships",
        )
        for ids in members:
            if not ids:  # a community nobody picked still needs writers
                ids.extend(rng.sample(user_ids[1:], 5))
        # A few members write most: Zipf over each community's members.
        author_pickers = [
            _picker([1.0 / (rank + 3) for rank in range(len(ids))], rng) for ids in members
        ]

        # Topics: reply counts with a long tail (a few topics with thousands of replies).
        first_topic = _next_id(Topic)
        first_post = _next_id(Post)
        first_alias = _next_id(TopicAlias)
        raw_weights = [min(rng.paretovariate(1.2), 400.0) for _ in range(topic_count)]
        scale = (posts - topic_count) / sum(raw_weights)
        reply_counts = [int(weight * scale) for weight in raw_weights]
        shortfall = posts - topic_count - sum(reply_counts)
        for index in rng.sample(range(topic_count), min(topic_count, max(0, shortfall))):
            reply_counts[index] += 1
        while sum(reply_counts) < posts - topic_count:  # only for tiny data sets
            reply_counts[rng.randrange(topic_count)] += 1
        moments = sorted(
            start + timedelta(seconds=rng.random() * days * 86_400) for _ in range(topic_count)
        )
        topics: list[_TopicRow] = []
        alias_count = 0
        for offset in range(topic_count):
            community = pick_community()
            author = members[community][author_pickers[community]()]
            is_anonymous = rng.random() < 0.05
            alias = None
            if is_anonymous:
                alias = first_alias + alias_count
                alias_count += 1
            topics.append(
                _TopicRow(
                    id=first_topic + offset,
                    community=community,
                    author=None if is_anonymous else author,
                    alias=alias,
                    alias_user=author,
                    title="",
                    is_question=rng.random() < 0.35,
                    created_at=moments[offset],
                    replies=reply_counts[offset],
                )
            )
        say(f"planned {topic_count:,} topics, {posts:,} posts")

        # Posts, streamed topic by topic (texts are never all in memory).
        counters = {"deleted": 0, "hidden": 0, "solved": 0}

        def post_rows() -> Iterator[tuple[Any, ...]]:
            post_id = first_post
            for topic in topics:
                topic.title = text.title(topic.is_question)[:200]
                span = max(60.0, (now - topic.created_at).total_seconds())
                # Replies bunch up soon after the topic starts, then trail off.
                offsets = sorted(span * rng.random() ** 3 for _ in range(topic.replies))
                community_members = members[topic.community]
                pick_author = author_pickers[topic.community]
                accepted_at = None
                if topic.is_question and topic.replies and rng.random() < 0.45:
                    accepted_at = rng.randint(2, min(topic.replies, 6) + 1)
                for position in range(1, topic.replies + 2):
                    if position == 1:
                        author, alias, created = topic.author, topic.alias, topic.created_at
                    else:
                        author = community_members[pick_author()]
                        alias = None
                        created = topic.created_at + timedelta(seconds=offsets[position - 2])
                    is_deleted = position > 1 and rng.random() < 0.004
                    state = "visible"
                    if position > 1 and not is_deleted and rng.random() < 0.003:
                        state = "hidden"
                    counters["deleted"] += is_deleted
                    counters["hidden"] += state == "hidden"
                    if position == accepted_at and not is_deleted and state == "visible":
                        topic.accepted_post_id = post_id
                        counters["solved"] += 1
                    body, html = text.post()
                    topic.last_posted_at = created
                    topic.last_poster_id = author
                    yield (
                        post_id,
                        topic.id,
                        author,
                        alias,
                        position,
                        body,
                        html,
                        is_deleted,
                        created if is_deleted else None,
                        state,
                        created,
                        created,
                    )
                    post_id += 1

        writer.write(
            Post,
            [
                "id",
                "topic_id",
                "author_id",
                "alias_id",
                "position",
                "body",
                "body_html",
                "is_deleted",
                "deleted_at",
                "moderation_state",
                "created_at",
                "updated_at",
            ],  # fmt: skip
            post_rows(),
            "posts",
        )
        writer.write(
            Topic,
            [
                "id",
                "community_id",
                "author_id",
                "author_alias_id",
                "title",
                "is_question",
                "accepted_post_id",
                "reply_count",
                "last_posted_at",
                "last_poster_id",
                "created_at",
                "updated_at",
            ],  # fmt: skip
            (
                (
                    topic.id,
                    community_ids[topic.community],
                    topic.author,
                    topic.alias,
                    topic.title,
                    topic.is_question,
                    topic.accepted_post_id,
                    topic.replies,
                    topic.last_posted_at,
                    topic.last_poster_id,
                    topic.created_at,
                    topic.last_posted_at,
                )
                for topic in topics
            ),
            "topics",
        )
        writer.write(
            TopicAlias,
            ["id", "topic_id", "user_id", "number", "created_at"],
            (
                (topic.alias, topic.id, topic.alias_user, 1, topic.created_at)
                for topic in topics
                if topic.alias is not None
            ),
            "anonymous aliases",
        )
        # Counters the list pages read, as the actions keep them.
        for index, community_id in enumerate(community_ids):
            in_community = [topic for topic in topics if topic.community == index]
            Community.objects.filter(pk=community_id).update(
                member_count=len(set(members[index])),
                topic_count=len(in_community),
                post_count=sum(topic.replies + 1 for topic in in_community),
                last_activity_at=max(
                    (topic.last_posted_at for topic in in_community if topic.last_posted_at),
                    default=None,
                ),
            )
        statements = connection.ops.sequence_reset_sql(
            no_style(), [User, Community, Membership, Topic, Post, TopicAlias]
        )
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seconds = time.monotonic() - started
    say(
        f"generated {posts:,} posts in {topic_count:,} topics by {user_count:,} members in "
        f"{community_count} communities in {seconds:.1f} s"
    )
    return Dataset(
        seed=seed,
        posts=posts,
        topics=topic_count,
        users=user_count,
        communities=community_count,
        memberships=membership_count,
        searcher_id=user_ids[0],
        members_only_ids=[community_ids[i] for i in members_only],
        searcher_community_ids=[community_ids[i] for i in searcher_communities],
        community_slugs=[slugs[i] for i in range(community_count)],
        first_at=start.isoformat(),
        last_at=now.isoformat(),
        seconds=round(seconds, 1),
        details={
            **counters,
            "anonymous_topics": alias_count,
            "question_topics": sum(topic.is_question for topic in topics),
            "largest_topic_posts": max(reply_counts) + 1,
            "vocabulary_words": len(vocabulary.words),
        },
    )
