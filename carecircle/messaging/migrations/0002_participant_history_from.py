from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def history_from_join(apps, schema_editor):
    """Members added to a group after it started read from their joining on: the newest
    message older than their place. (The people who started it joined before any message.)"""
    Message = apps.get_model("messaging", "Message")
    Participant = apps.get_model("messaging", "Participant")
    before_joining = (
        Message.objects.filter(
            conversation_id=OuterRef("conversation_id"), created_at__lt=OuterRef("joined_at")
        )
        .order_by("-pk")
        .values("pk")[:1]
    )
    Participant.objects.filter(conversation__kind="group").update(
        history_from_message_id=Coalesce(Subquery(before_joining), Value(0))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="participant",
            name="history_from_message_id",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(history_from_join, migrations.RunPython.noop),
    ]
