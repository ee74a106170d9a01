"""Reports keep the files of the message they report (`MessageReport.files`).

Reports already made get the files their message has now (those it had when reported, unless
its writer deleted it since).
"""

from django.db import migrations, models


def hold_current_files(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    MessageReport = apps.get_model("messaging", "MessageReport")
    Upload = apps.get_model("uploads", "Upload")
    for report in MessageReport.objects.all().iterator():
        report.files.set(Upload.objects.filter(message_id=report.message_id))


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0003_message_moderation_state"),
        ("uploads", "0002_pending_file_deletion"),
    ]

    operations = [
        migrations.AddField(
            model_name="messagereport",
            name="files",
            field=models.ManyToManyField(
                blank=True, related_name="held_by_reports", to="uploads.upload"
            ),
        ),
        migrations.RunPython(hold_current_files, migrations.RunPython.noop),
    ]
