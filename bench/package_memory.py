"""Evidence package build: memory stays flat as the evidence grows (files are streamed, never read whole).

Builds two packages, a small one and a large one (by default 200 × 1 MB + 3 × 50 MB), and prints for
each: build time, ZIP size, Python peak memory (tracemalloc) while copying files and overall (the index
PDF is rendered in memory and grows with the number of files, not their size), and RSS growth
(ru_maxrss). Sizes come from BENCH_SMALL_FILES, BENCH_SMALL_MB, BENCH_LARGE_FILES, BENCH_LARGE_MB.
"""

from __future__ import annotations

import hashlib
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import django_env, mb  # noqa: E402

CHUNK = 1024 * 1024


def _write(media: Path, key: str, size: int) -> str:
    """Write `size` random bytes in 1 MB chunks; return their SHA-256."""
    path = media / key
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with open(path, "wb") as fh:
        left = size
        while left:
            chunk = os.urandom(min(CHUNK, left))
            digest.update(chunk)
            fh.write(chunk)
            left -= len(chunk)
    return digest.hexdigest()


def _assessment(media: Path, label: str, files: list[int]):
    from accounts.models import Client, Membership, Role, User, Workspace
    from assessments.models import Assessment, EvidenceFile, EvidenceRequest, Status

    ws, _ = Workspace.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    user, _ = User.objects.get_or_create(email="bench@bench.example")
    Membership.objects.get_or_create(user=user, workspace=ws, defaults={"role": Role.OWNER})
    client, _ = Client.objects.get_or_create(workspace=ws, name="Bench Client")
    assessment = Assessment.objects.create(client=client, name=f"Bench {label}")
    per_request = 10
    evidence = None
    for i, size in enumerate(files):
        if i % per_request == 0:
            evidence = EvidenceRequest.objects.create(
                assessment=assessment,
                requirement=f"{i // per_request + 1}.1",
                title=f"Bench request {i // per_request + 1}",
                status=Status.ACCEPTED,
                submission_round=1,
            )
        key = f"evidence/bench/{label}/{i:05d}"
        sha = _write(media, key, size)
        EvidenceFile.objects.create(
            request=evidence,
            file=key,
            original_name=f"evidence-{i}.pdf",
            size=size,
            content_type="application/pdf",
            sha256=sha,
            submission_round=1,
        )
    return assessment, user


def _build(assessment, user, *, traced: bool) -> dict:
    from assessments import package as pkg
    from assessments.models import EvidencePackage, PackageStatus

    package = EvidencePackage.objects.create(assessment=assessment, requested_by=user)
    marks: dict[str, float] = {}
    real_manifest = pkg.manifest_csv

    def manifest_probe(*args, **kwargs):
        # Called right after the last file is copied: what happened so far is the streaming phase.
        marks["copy_s"] = time.perf_counter() - started
        if traced:
            marks["copy_peak"] = tracemalloc.get_traced_memory()[1]
        return real_manifest(*args, **kwargs)

    pkg.manifest_csv = manifest_probe
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    try:
        built = pkg.build_package(package.pk)
    finally:
        marks["total_s"] = time.perf_counter() - started
        if traced:
            marks["peak"] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        pkg.manifest_csv = real_manifest
    marks["rss_growth"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss_before
    assert built is not None and built.status == PackageStatus.READY, built and built.error
    marks["zip"] = built.size
    from django.core.files.storage import default_storage

    default_storage.delete(built.file.name)  # the next build starts from the same disk state
    return marks


def _run(media: Path, label: str, files: list[int]) -> dict:
    assessment, user = _assessment(media, label, files)
    timed = _build(assessment, user, traced=False)  # tracemalloc slows allocation-heavy code (WeasyPrint)
    traced = _build(assessment, user, traced=True)
    total = sum(files)
    return {
        "files": len(files),
        "evidence": mb(total),
        "zip": mb(timed["zip"]),
        "build_s": f"{timed['total_s']:.2f}",
        "copy_s": f"{timed['copy_s']:.2f}",
        "copy_rate": f"{total / 1024 / 1024 / timed['copy_s']:.0f} MB/s",
        "rss_growth": mb(timed["rss_growth"]),
        "py_peak_copy": mb(traced["copy_peak"]),
        "py_peak_total": mb(traced["peak"]),
    }


def main() -> None:
    env = os.environ.get
    small_n, small_mb = int(env("BENCH_SMALL_FILES", "20")), float(env("BENCH_SMALL_MB", "1"))
    n, size_mb = int(env("BENCH_SMALL_FILES_LARGE_RUN", "200")), float(env("BENCH_SMALL_MB", "1"))
    large_n, large_mb = int(env("BENCH_LARGE_FILES", "3")), float(env("BENCH_LARGE_MB", "50"))
    runs = {
        "small": [int(small_mb * CHUNK)] * small_n,
        "large": [int(size_mb * CHUNK)] * n + [int(large_mb * CHUNK)] * large_n,
    }
    with django_env() as media:
        for label, files in runs.items():
            figures = _run(media, label, files)
            print(
                f"package_memory[{label}]: " + "  ".join(f"{k}={v}" for k, v in figures.items()), flush=True
            )


if __name__ == "__main__":
    main()
