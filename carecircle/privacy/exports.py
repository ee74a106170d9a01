"""Building the ZIP of a data export: one JSON file per kind of data, files, and index.html."""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import timezone

from carecircle.privacy.registry import exported_entries

DEFAULT_EXPORT_DAYS = 7


def export_root() -> Path:
    """The private folder for export files: never under MEDIA_ROOT, never served directly."""
    return Path(getattr(settings, "CARECIRCLE_EXPORT_ROOT", Path(settings.VAR_DIR) / "exports"))


def export_days() -> int:
    return int(getattr(settings, "CARECIRCLE_EXPORT_DAYS", DEFAULT_EXPORT_DAYS))


def export_path(file_name: str) -> Path:
    return export_root() / file_name


def build_zip(member: Any) -> tuple[str, int]:
    """Write the member's ZIP into the private folder; returns (file name, size in bytes)."""
    root = export_root()
    folder = root / str(member.pk)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"{member.pk}/carecircle-data-{timezone.now():%Y%m%d}-{secrets.token_hex(8)}.zip"
    summary: list[dict[str, Any]] = []
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for entry in exported_entries():
                rows = entry.rows(member)
                archive.writestr(
                    f"{entry.name}.json",
                    json.dumps(rows, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
                )
                file_names = []
                if entry.files is not None:
                    for arcname, path in entry.files(member):
                        archive.write(path, f"files/{arcname}")
                        file_names.append(f"files/{arcname}")
                summary.append({"name": entry.name, "count": len(rows), "files": file_names})
            archive.writestr(
                "index.html",
                render_to_string(
                    "privacy/export_index.html",
                    {"member": member, "sections": summary, "created_at": timezone.now()},
                ),
            )
        os.chmod(temporary, 0o600)
        os.replace(temporary, root / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return name, (root / name).stat().st_size


def delete_file(file_name: str) -> None:
    """Remove one export file; a file already gone is fine."""
    if file_name:
        export_path(file_name).unlink(missing_ok=True)
