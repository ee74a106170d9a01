"""Demo libraries: a few reputable resources in the demo communities and the site library.

Everything goes through the actions, as a real curator would: Nurse Amira (a verified
professional who is a member everywhere) fills the community libraries, Maya (a site manager)
the site library, and SunnyDays suggests one resource so the review queue has something in it.
Run after `core.demo.load_demo` (it needs those people and communities); a second run adds
nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from carecircle.accounts.models import User
from carecircle.communities.models import Community
from carecircle.resources import actions
from carecircle.resources.models import Resource, ResourceCategory

Kind = Resource.Kind
Level = Resource.ReadingLevel

CATEGORIES: dict[str | None, list[str]] = {
    None: ["Finding good information", "Medicines"],
    "type-2-diabetes": ["Understanding the condition", "Food and activity", "Medicines"],
    "breast-cancer": ["Treatment", "Living with side effects"],
    "long-covid": ["Guidelines", "Pacing and fatigue"],
    "caregivers": ["Support for carers"],
}

# (library slug or None, curator handle, category names, fields)
RESOURCES: list[tuple[str | None, str, list[str], dict[str, Any]]] = [
    (None, "maya", ["Finding good information"], {
        "kind": Kind.WEBSITE,
        "title": "Online health information: is it reliable?",
        "summary": "How to tell whether a health website can be trusted: who runs it, who "
        "pays for it, where the information comes from and how current it is.",
        "url": "https://www.nia.nih.gov/health/healthy-aging/online-health-information-it-reliable",
        "publisher": "National Institute on Aging (NIH)",
        "tags": ["health-literacy", "easy-read"],
        "reading_level": Level.EASY,
    }),
    (None, "maya", ["Finding good information"], {
        "kind": Kind.WEBSITE,
        "title": "Evaluating internet health information: a tutorial",
        "summary": "A short interactive tutorial from MedlinePlus on checking the quality of "
        "health information you find online.",
        "url": "https://medlineplus.gov/webeval/webeval.html",
        "publisher": "MedlinePlus, U.S. National Library of Medicine",
        "tags": ["health-literacy"],
        "reading_level": Level.GENERAL,
    }),
    (None, "maya", ["Medicines"], {
        "kind": Kind.ARTICLE,
        "title": "Metformin: drug information",
        "summary": "What metformin is for, how to take it, common side effects and what to "
        "tell your doctor before starting it.",
        "url": "https://medlineplus.gov/druginfo/meds/a696005.html",
        "publisher": "MedlinePlus, U.S. National Library of Medicine",
        "tags": ["metformin", "side-effects"],
        "reading_level": Level.GENERAL,
    }),
    ("type-2-diabetes", "amira", ["Understanding the condition"], {
        "kind": Kind.WEBSITE,
        "title": "Type 2 diabetes",
        "summary": "The NHS overview: symptoms, diagnosis, treatment and living with type 2 "
        "diabetes, in plain language.",
        "url": "https://www.nhs.uk/conditions/type-2-diabetes/",
        "publisher": "NHS",
        "tags": ["overview", "easy-read"],
        "reading_level": Level.EASY,
    }),
    ("type-2-diabetes", "amira", ["Food and activity"], {
        "kind": Kind.WEBSITE,
        "title": "Diabetes basics",
        "summary": "What diabetes is, how it is managed, and how healthy eating and being "
        "active help keep blood sugar in range.",
        "url": "https://www.cdc.gov/diabetes/about/index.html",
        "publisher": "Centers for Disease Control and Prevention (CDC)",
        "tags": ["diet", "exercise"],
        "reading_level": Level.GENERAL,
    }),
    ("type-2-diabetes", "amira", ["Medicines", "Understanding the condition"], {
        "kind": Kind.RESEARCH_PAPER,
        "title": "Standards of Care in Diabetes—2024",
        "summary": "The American Diabetes Association's yearly clinical recommendations, "
        "written for health professionals.",
        "url": "https://diabetesjournals.org/care/issue/47/Supplement_1",
        "author": "American Diabetes Association Professional Practice Committee",
        "publisher": "Diabetes Care",
        "source": "Diabetes Care 2024;47(Suppl. 1)",
        "published_on": date(2023, 12, 11),
        "tags": ["guidelines"],
        "reading_level": Level.PROFESSIONAL,
    }),
    ("breast-cancer", "amira", ["Treatment"], {
        "kind": Kind.ARTICLE,
        "title": "Breast cancer treatment (PDQ®) – patient version",
        "summary": "The National Cancer Institute's summary of breast cancer treatment "
        "options, stage by stage, for patients and families.",
        "url": "https://www.cancer.gov/types/breast/patient/breast-treatment-pdq",
        "publisher": "National Cancer Institute",
        "tags": ["treatment", "chemotherapy"],
        "reading_level": Level.GENERAL,
    }),
    ("breast-cancer", "amira", ["Living with side effects"], {
        "kind": Kind.WEBSITE,
        "title": "Tiredness (fatigue) and cancer",
        "summary": "Why cancer and its treatment cause fatigue, and practical ways to manage "
        "your energy day to day.",
        "url": "https://www.macmillan.org.uk/cancer-information-and-support/impacts-of-cancer/fatigue",
        "publisher": "Macmillan Cancer Support",
        "tags": ["fatigue", "easy-read"],
        "reading_level": Level.EASY,
    }),
    ("long-covid", "amira", ["Guidelines"], {
        "kind": Kind.RESEARCH_PAPER,
        "title": "COVID-19 rapid guideline: managing the long-term effects of COVID-19 (NG188)",
        "summary": "NICE, SIGN and RCGP guidance on identifying, assessing and managing "
        "long COVID, including rehabilitation and follow-up.",
        "url": "https://www.nice.org.uk/guidance/ng188",
        "publisher": "National Institute for Health and Care Excellence (NICE)",
        "published_on": date(2020, 12, 18),
        "tags": ["guidelines", "rehabilitation"],
        "reading_level": Level.PROFESSIONAL,
    }),
    ("long-covid", "amira", ["Pacing and fatigue"], {
        "kind": Kind.WEBSITE,
        "title": "Long-term effects of COVID-19 (long COVID)",
        "summary": "Common symptoms of long COVID, when to get help and what support is "
        "available.",
        "url": "https://www.nhs.uk/conditions/covid-19/long-term-effects-of-covid-19-long-covid/",
        "publisher": "NHS",
        "tags": ["fatigue", "pacing"],
        "reading_level": Level.EASY,
    }),
    ("long-covid", "amira", [], {
        "kind": Kind.WEBSITE,
        "title": "Post COVID-19 condition (long COVID): fact sheet",
        "summary": "The World Health Organization's key facts on the post COVID-19 "
        "condition: who it affects, symptoms and care.",
        "url": "https://www.who.int/news-room/fact-sheets/detail/post-covid-19-condition-(long-covid)",
        "publisher": "World Health Organization",
        "tags": ["overview"],
        "reading_level": Level.GENERAL,
    }),
    ("caregivers", "amira", ["Support for carers"], {
        "kind": Kind.WEBSITE,
        "title": "Carer breaks and respite care",
        "summary": "How to get a break from caring: respite options, who pays, and how to ask "
        "your local council for a carer's assessment.",
        "url": "https://www.nhs.uk/conditions/social-care-and-support-guide/support-and-benefits-for-carers/carer-breaks-and-respite-care/",
        "publisher": "NHS",
        "tags": ["respite", "wellbeing"],
        "reading_level": Level.EASY,
    }),
]  # fmt: skip

SUGGESTION: tuple[str, str, dict[str, Any]] = ("type-2-diabetes", "sunnydays", {
    "kind": Kind.WEBSITE,
    "title": "Type 2 diabetes: the basics",
    "summary": "I found this clear and kind. It helped me explain my diagnosis to my family.",
    "url": "https://www.diabetes.org.uk/about-diabetes/type-2-diabetes",
    "publisher": "Diabetes UK",
    "tags": ["overview"],
    "reading_level": Level.EASY,
})  # fmt: skip


def load_demo_resources() -> list[Resource]:
    """Create the demo libraries' categories and resources (and one waiting suggestion)."""
    if Resource.objects.exists():
        return []
    people = {user.handle: user for user in User.objects.filter(handle__in=_handles())}
    communities = {c.slug: c for c in Community.objects.filter(slug__in=_slugs())}
    categories: dict[tuple[str | None, str], ResourceCategory] = {}
    for slug, names in CATEGORIES.items():
        community = communities.get(slug) if slug else None
        if slug and community is None:
            continue
        curator = people.get("maya" if slug is None else "amira")
        if curator is None:
            continue
        for name in names:
            categories[(slug, name)] = actions.create_category(
                actor=curator, community=community, name=name
            )
    created: list[Resource] = []
    for slug, handle, category_names, fields in RESOURCES:
        community = communities.get(slug) if slug else None
        actor = people.get(handle)
        if (slug and community is None) or actor is None:
            continue
        ids = [categories[(slug, name)].pk for name in category_names if (slug, name) in categories]
        created.append(
            actions.create_resource(
                actor=actor,
                community=community,
                data=actions.ResourceInput(category_ids=ids, **fields),
            )
        )
    slug, handle, fields = SUGGESTION
    if slug in communities and handle in people:
        created.append(
            actions.create_resource(
                actor=people[handle],
                community=communities[slug],
                data=actions.ResourceInput(**fields),
            )
        )
    return created


def _handles() -> set[str]:
    return {"maya", SUGGESTION[1]} | {handle for _slug, handle, _c, _f in RESOURCES}


def _slugs() -> set[str]:
    return {slug for slug in CATEGORIES if slug}
