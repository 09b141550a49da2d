"""The file manifest has one owner: orchestration/landing/manifest.py alone reads and writes
ops.file_manifest, and what the others ask of it (refresh's summary, `pcp status`, the build
ledger and sensors) are its named functions, tested here on a real DuckDB file."""

import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.landing import manifest
from orchestration.settings import PROJECT_ROOT

SQL_ON_MANIFEST = re.compile(r"\b(from|into|update|join)\s+ops\.file_manifest\b", re.IGNORECASE)


def test_no_module_but_the_manifests_own_queries_the_manifest():
    owner = PROJECT_ROOT / "orchestration" / "landing" / "manifest.py"
    others = [
        path.relative_to(PROJECT_ROOT)
        for path in (PROJECT_ROOT / "orchestration").rglob("*.py")
        if path != owner and SQL_ON_MANIFEST.search(path.read_text(encoding="utf-8"))
    ]
    assert others == []
    assert SQL_ON_MANIFEST.search(owner.read_text(encoding="utf-8"))


def delivery(name: str, keys: tuple[str, ...], run_id: str, sha: str, minute: int):
    when = datetime(2025, 5, 1, 9, minute, tzinfo=UTC)
    return manifest.Delivery("police_uk_street", name, sha, when, keys, run_id, "", when)


def test_the_readers_on_an_empty_and_a_recorded_manifest(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        # Nothing taken in yet: no table, and every reader says "nothing".
        assert not manifest.exists(con)
        assert manifest.deliveries_so_far(con) == (0, None)
        assert manifest.accepted_sha256s(con) == set()
        assert manifest.deliveries_of_runs(con, ["r1"]) == []
        assert manifest.loaded_summary(con, "police_uk_street").files == 0
        assert manifest.refusals_of(con, "police_uk_street") == []

        manifest.ensure_manifest(con)
        april = delivery("2025-04-a-street.csv", ("2025-04",), "r1", "a" * 64, 1)
        revised = delivery("2025-04-b-street.csv", ("2025-04",), "r2", "b" * 64, 2)
        bad = delivery("2025-05-a-street.csv", ("2025-05",), "r2", "c" * 64, 3)
        assert manifest.has_loaded(con, [april]) == [False]
        assert manifest.record_accepted(con, [(april, 10, "/archive/a")]) == [1]
        assert manifest.has_loaded(con, [revised, bad]) == [True, False]
        assert manifest.record_accepted(con, [(revised, 12, "/archive/b")]) == [2]
        manifest.record_refused(con, bad, "/quarantine/c", "file x: bad; expected y")
        # A landing folder's refusal (a file no source takes) is recorded under its name.
        stray = manifest.Delivery("police_uk", "notes.txt", "d" * 64, april.received_at, (), "r2")
        manifest.record_refused(con, stray, "/quarantine/d", "file notes.txt: no source; ...")

        assert manifest.deliveries_so_far(con) == (4, stray.taken_in_at)
        assert manifest.accepted_sha256s(con) == {"a" * 64, "b" * 64}
        assert manifest.accepted_sha256s(con, "stats19_collision") == set()
        summary = manifest.loaded_summary(con, "police_uk_street")
        assert (summary.partitions, summary.files) == (["2025-04"], 1)  # the revision only
        assert [(d.original_name, d.status) for d in manifest.deliveries_of_runs(con, ["r2"])] == [
            ("notes.txt", "refused"),  # by source (the folder's name first), then name
            ("2025-04-b-street.csv", "loaded"),
            ("2025-05-a-street.csv", "refused"),
        ]
        [refusal] = manifest.refusals_of(con, "police_uk_street")
        assert (refusal.original_name, refusal.partition_keys) == (bad.original_name, ("2025-05",))
        outside = manifest.refusals_outside(con, ["police_uk_street"])
        assert [(r.source, r.original_name) for r in outside] == [("police_uk", "notes.txt")]
        assert [r[:2] for r in manifest.loaded_for(con, "police_uk_street", "", ["2025-04"])] == [
            ("2025-04-b-street.csv", 2)
        ]
