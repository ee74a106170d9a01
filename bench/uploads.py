"""Time and measure the upload processing of a 12-megapixel phone photo.

    .venv/bin/python bench/uploads.py [--runs 15] [--docs notes.md]

Builds a 4000 × 3000 JPEG in memory (gradients plus sensor-like noise, so it compresses like a
real photo: a few MB at quality 92, with EXIF orientation and GPS, as a phone writes it) and runs
`carecircle.uploads.processing.process_upload` on it: libmagic sniffing, the header pixel check,
decoding, EXIF orientation, the main WebP (2560 px) and the 320/640/1280 px copies. Two
photos are timed: landscape (orientation 1) and portrait (orientation 6, turned upright first).

Reported: wall time p50/p95 over `--runs` runs after one warm-up, the CPU time p50 (what the
work costs whatever else the machine is doing), and peak memory two ways, each in a fresh
process (every measurement runs in a child of a small parent: Linux hands a parent's ru_maxrss
down to the processes it starts):
- tracemalloc peak: Python-level allocations only (the upload's bytes, the encoded copies);
  Pillow's pixel buffers are allocated in C and are NOT seen by it.
- ru_maxrss: the child's resident-set high-water mark, which includes Pillow's pixel buffers;
  printed as the absolute peak and as the increase over the same child just before the call
  (bare Django settings, processing imported, the photo already in memory).
With `--docs`, the results are also written into that Markdown file (between markers, replacing
an earlier run's).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- bench/uploads.py results -->", "<!-- /bench/uploads.py results -->"


def make_photo(orientation: int) -> bytes:
    from PIL import ExifTags, Image

    width, height = 4000, 3000
    base = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 24)
    channels = [
        Image.blend(base, noise, 0.35),
        Image.blend(base.transpose(Image.Transpose.FLIP_LEFT_RIGHT), noise, 0.3),
        Image.blend(base.transpose(Image.Transpose.FLIP_TOP_BOTTOM), noise, 0.25),
    ]
    picture = Image.merge("RGB", channels)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (48.0, 51.0, 27.72),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (2.0, 17.0, 42.0),
    }
    output = io.BytesIO()
    picture.save(output, "JPEG", quality=92, exif=exif.tobytes())
    return output.getvalue()


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    from django_setup import setup

    setup()


def _process(data: bytes) -> Any:
    from carecircle.uploads.processing import process_upload

    return process_upload(io.BytesIO(data), declared_name="IMG_1234.JPG", size=len(data))


def child(path: str, mode: str) -> None:
    """One measured call in a fresh process; prints a JSON line.

    Django is configured bare (processing reads its settings with the project's defaults):
    the full set-up would load every app and raise the high-water mark before the call.
    """
    sys.path.insert(0, str(ROOT))
    from django.conf import settings

    settings.configure(USE_I18N=False)
    from carecircle.uploads import processing  # noqa: F401 - imported before the baseline

    data = Path(path).read_bytes()
    if mode == "tracemalloc":
        tracemalloc.start()
        _process(data)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(json.dumps({"tracemalloc_peak": peak}))
        return
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _process(data)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports ru_maxrss in KiB.
    print(json.dumps({"rss_before": before * 1024, "rss_peak": after * 1024}))


def _in_child(arguments: list[str]) -> dict[str, Any]:
    """Run this script in a fresh process. Every measurement happens in a child: Linux carries a
    parent's ru_maxrss over to the processes it starts, so the parent stays small (no Pillow,
    no Django) and starts nothing after it grew."""
    result = subprocess.run(  # noqa: S603 - this script, fixed arguments
        [sys.executable, __file__, *arguments],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    lines = result.stdout.strip().splitlines()
    return dict(json.loads(lines[-1])) if lines else {}


def _mb(value: float) -> str:
    return f"{value / (1024 * 1024):.0f} MB"


def make(path: str, orientation: int) -> None:
    Path(path).write_bytes(make_photo(orientation))


def timing(path: str, runs: int) -> None:
    """Warm-up, then `runs` timed calls; prints a JSON line."""
    _setup()
    from PIL import __version__ as pillow_version

    data = Path(path).read_bytes()
    processed = _process(data)
    timings, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        _process(data)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    print(
        json.dumps(
            {
                "timings": timings,
                "cpu": cpu,
                "input_bytes": len(data),
                "size": [processed.width, processed.height],
                "output": [[r.name, r.width, len(r.data)] for r in processed.renditions],
                "pillow": pillow_version,
            }
        )
    )


def measure(name: str, orientation: int, runs: int, folder: Path) -> dict[str, Any]:
    path = folder / f"photo-{orientation}.jpg"
    _in_child(["--make", str(path), "--orientation", str(orientation)])
    result: dict[str, Any] = {"name": name}
    result.update(_in_child(["--time", str(path), "--runs", str(runs)]))
    result.update(_in_child(["--child", str(path), "--mode", "tracemalloc"]))
    result.update(_in_child(["--child", str(path), "--mode", "rss"]))
    timings = result["timings"]
    cuts = statistics.quantiles(timings, n=20, method="inclusive")
    result.update(
        p50=statistics.median(timings),
        p95=cuts[18],
        min=min(timings),
        max=max(timings),
        cpu50=statistics.median(result["cpu"]),
    )
    return result


def report(results: list[dict[str, Any]], runs: int, loads: tuple[str, str]) -> str:
    pillow_version = results[0]["pillow"]
    lines = [
        f"### 12-megapixel photo ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {runs} runs each "
        f"after a warm-up, {os.cpu_count()} CPUs, load average {loads[0]} → {loads[1]}, "
        f"Pillow {pillow_version}, Python {sys.version.split()[0]})",
        "",
        "Measured by `bench/uploads.py`: `process_upload` on a 4000 × 3000 JPEG (quality 92, "
        "EXIF with GPS) made in code; wall time in one process after a warm-up; memory each in "
        "a fresh process with bare Django settings (tracemalloc = Python allocations only; "
        "ru_maxrss = whole process, including Pillow's pixel buffers).",
        "",
        "| photo | input | p50 | p95 | min–max | CPU p50 | tracemalloc peak "
        "| ru_maxrss peak (increase) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for item in results:
        lines.append(
            f"| {item['name']} | {item['input_bytes'] / 1e6:.1f} MB | {item['p50'] * 1000:.0f} ms "
            f"| {item['p95'] * 1000:.0f} ms | {item['min'] * 1000:.0f}–{item['max'] * 1000:.0f} ms "
            f"| {item['cpu50'] * 1000:.0f} ms "
            f"| {_mb(item['tracemalloc_peak'])} | {_mb(item['rss_peak'])} "
            f"(+{_mb(item['rss_peak'] - item['rss_before'])}) |"
        )
    first = results[0]
    outputs = ", ".join(
        f"{name} {width} px {size / 1000:.0f} KB" for name, width, size in first["output"]
    )
    lines += [
        "",
        f"Stored for the landscape photo ({first['size'][0]} × {first['size'][1]}): {outputs}.",
    ]
    return "\n".join(lines)


def write_docs(path: Path, text: str) -> None:
    block = f"{BEGIN}\n{text}\n{END}"
    current = path.read_text() if path.exists() else ""
    if BEGIN in current and END in current:
        start, end = current.index(BEGIN), current.index(END) + len(END)
        current = current[:start] + block + current[end:]
    else:
        current = (current.rstrip() + "\n\n" if current.strip() else "") + block + "\n"
    path.write_text(current)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--docs", help="a Markdown file to write the results into")
    parser.add_argument("--child")
    parser.add_argument("--mode", choices=["tracemalloc", "rss"])
    parser.add_argument("--make")
    parser.add_argument("--orientation", type=int, default=1)
    parser.add_argument("--time")
    options = parser.parse_args()
    if options.make:
        make(options.make, options.orientation)
        return
    if options.time:
        timing(options.time, options.runs)
        return
    if options.child:
        child(options.child, options.mode)
        return
    import tempfile

    load_before = f"{os.getloadavg()[0]:.1f}"
    results = []
    with tempfile.TemporaryDirectory(prefix="carecircle-bench-uploads-") as folder:
        for name, orientation in (("landscape", 1), ("portrait (EXIF orientation 6)", 6)):
            results.append(measure(name, orientation, options.runs, Path(folder)))
    load_after = f"{os.getloadavg()[0]:.1f}"
    text = report(results, options.runs, (load_before, load_after))
    print(text)
    if options.docs:
        write_docs(Path(options.docs), text)
        print(f"\n(written to {options.docs})")


if __name__ == "__main__":
    main()
