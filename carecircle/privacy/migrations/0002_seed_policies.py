"""Version 1 of the terms, the privacy policy and the research-contact consent."""

from django.db import migrations
from django.utils import timezone

TERMS = """\
CareCircle is a peer support community for people living with health conditions, the people
who care for them and health professionals. By joining you agree to these plain rules.

## What this place is, and is not

- It is people sharing experience. It is **not medical advice** and not an emergency service.
  In an emergency, call your local emergency number.
- The people who run this site host it themselves. They are listed on the home page.

## What we ask of you

- Be kind. Follow each community's guidelines, which you accept when you join it.
- Share only what you are comfortable sharing. You never need your real name.
- Do not share other people's health details without their permission.
- Do not sell, advertise or collect other members' details.

## What we may do

- Moderators may hide posts that break the guidelines, and may suspend accounts that keep
  doing so. You can ask why.
- We may change these terms. If we do, we will show you what changed and ask you to accept the
  new version before you go on.

## Leaving

You can download a copy of your data, or delete your account, at any time from
"My account", then "Privacy and my data".
"""

PRIVACY = """\
This explains, in plain words, what CareCircle keeps about you and why.

## What we keep

- Your email address (to sign you in and send the emails you ask for) and your password,
  stored only as a one-way hash.
- Your display name, handle and anything you choose to put in your profile. Health details in
  your profile are encrypted in our database.
- What you write: topics, replies, reactions and drafts, and the communities you join.
- A record of important actions on your account (for example when a moderator hides one of
  your posts). You can read the ones about you on the "Activity on my data" page.

## What we do not do

- We do not sell your data or show you advertising.
- We do not share your data with anyone outside this site, unless the law requires it.
- We send no tracking or analytics to other companies.

## Your rights

- **See and copy your data**: download everything in one file from "Privacy and my data".
- **Correct it**: edit your profile and posts at any time.
- **Delete it**: delete your account. You choose whether your posts are removed or kept under
  the name "former member".
- **Change your mind** about optional permissions, like being contacted about research.

## How long we keep it

Until you delete your account. Data exports are deleted after 7 days. Backups are overwritten
within the period stated by the people who run this site.

## Questions

Ask the site team through the contact details on the home page.
"""

RESEARCH = """\
Health researchers sometimes ask communities like this one for volunteers. If you agree, the
site team may send you an email about a study that could be relevant to you.

- We never share your details with researchers. You decide whether to reply to them.
- You can withdraw this permission at any time on your "My consents" page; nothing else changes.
"""


def seed(apps, schema_editor):
    PolicyDocument = apps.get_model("privacy", "PolicyDocument")
    now = timezone.now()
    for kind, title, summary, body in (
        ("terms", "Terms of use", "The first version of our terms.", TERMS),
        ("privacy", "Privacy policy", "The first version of our privacy policy.", PRIVACY),
        (
            "research_contact",
            "Contact me about research studies",
            "Optional: the site team may email you about health research studies.",
            RESEARCH,
        ),
    ):
        PolicyDocument.objects.get_or_create(
            kind=kind,
            version=1,
            defaults={"title": title, "summary": summary, "body": body, "published_at": now},
        )


def unseed(apps, schema_editor):
    PolicyDocument = apps.get_model("privacy", "PolicyDocument")
    PolicyDocument.objects.filter(version=1, consents__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
