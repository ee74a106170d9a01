"""Background work: building data exports and deleting expired ones. Tasks take ids only."""

from __future__ import annotations

from django.tasks import task


@task()
def build_data_export_task(export_id: int) -> None:
    """Build one requested export; running it twice builds it once."""
    from carecircle.privacy.actions import build_data_export

    build_data_export(export_id=export_id)


@task()
def delete_expired_exports_task() -> int:
    """Delete export files past their expiry date (also `manage.py delete_expired_exports`)."""
    from carecircle.privacy.actions import delete_expired_exports

    return delete_expired_exports()
