"""A publication that died part-way leaves nothing behind for good: the next one removes its
half-written database and Parquet folder, and keeps the current and previous Parquet folders."""

from __future__ import annotations

import os

import duckdb

from orchestration.publication.publish import publish, remove_unfinished


def test_the_next_publication_removes_what_an_interrupted_one_left(tmp_path):
    published = tmp_path / "published"
    warehouse = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    warehouse.execute("create schema marts; create table marts.mart_x as select 1 as x")
    first = publish(warehouse, published)
    second = publish(warehouse, published)
    current = os.readlink(published / "parquet")
    folders = sorted(p.name for p in published.glob("parquet-*"))
    assert len(folders) == 2 and folders[-1] == current  # the current one and the one before

    # A publication killed half-way through: a staging database, its WAL, a Parquet folder
    # never swapped in, and a temporary symlink.
    (published / ".marts-20991231T000000-abcdef.duckdb").write_bytes(b"half")
    (published / ".marts-20991231T000000-abcdef.duckdb.wal").write_bytes(b"half")
    (published / "parquet-20991231T000000-abcdef").mkdir()
    (published / ".parquet-abc123").symlink_to(current)
    (published / "parquet-19990101T000000-000000").mkdir()  # an old one, long superseded

    removed = {p.name for p in remove_unfinished(published)}

    assert removed == {
        ".marts-20991231T000000-abcdef.duckdb",
        ".marts-20991231T000000-abcdef.duckdb.wal",
        ".parquet-abc123",
        "parquet-20991231T000000-abcdef",
        "parquet-19990101T000000-000000",
    }
    assert sorted(p.name for p in published.iterdir()) == sorted(
        [*folders, "marts.duckdb", "parquet"]
    )
    assert first.tables == second.tables == ("marts.mart_x",)
    reader = duckdb.connect(str(published / "marts.duckdb"), read_only=True)
    assert reader.execute("select x from mart_x").fetchall() == [(1,)]


def test_publication_copes_with_a_quote_in_the_data_dir(tmp_path):
    published = tmp_path / "it's published"
    warehouse = duckdb.connect()
    warehouse.execute("create schema marts; create table marts.mart_x as select 2 as x")
    publication = publish(warehouse, published)
    reader = duckdb.connect(str(publication.database), read_only=True)
    assert reader.execute("select x from mart_x").fetchall() == [(2,)]
    assert (publication.parquet_dir / "mart_x.parquet").exists()


def test_a_real_folder_where_the_parquet_link_belongs_is_set_aside(tmp_path):
    """A data dir copied without its symlinks has a folder named `parquet`: publication still
    swaps its link in, and the folder is cleared like an old publication."""
    published = tmp_path / "published"
    warehouse = duckdb.connect()
    warehouse.execute("create schema marts; create table marts.mart_x as select 3 as x")
    (published / "parquet").mkdir(parents=True)
    (published / "parquet" / "mart_x.parquet").write_bytes(b"stale")
    publish(warehouse, published)
    publish(warehouse, published)
    assert (published / "parquet").is_symlink()
    assert not any(p.name.startswith("parquet-00000000") for p in published.iterdir())


def test_an_interrupted_archive_copy_is_removed(tmp_path):
    from orchestration.landing.archive import archive_copy, remove_partial_copies

    delivered = tmp_path / "2024-05-leicestershire-street.csv"
    delivered.write_text("Crime ID\n", encoding="utf-8")
    kept = archive_copy(tmp_path / "archive", "police_uk_street", delivered, "ab" * 32)
    stale = kept.with_name(kept.name + ".part")
    stale.write_text("half", encoding="utf-8")  # a copy killed half-way
    assert remove_partial_copies(tmp_path / "archive") == [stale]
    assert kept.exists() and not stale.exists()


def test_the_database_and_parquet_hold_the_rows_in_the_same_sorted_order(tmp_path):
    """Both copies of a mart hold its rows sorted by every column, left to right, however the
    build stored them: the Parquet file is written from the sorted copy (several row groups,
    read by several threads, here), not sorted again."""
    warehouse = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    warehouse.execute("set threads = 4")
    warehouse.execute(
        """
        create schema marts;
        create table marts.mart_x as
        select (i * 7919) % 1000 as a, (i * 104729) % 500000 as b, 'r' || i as c
        from range(300000) as t(i) order by hash(i)
        """
    )
    publication = publish(warehouse, tmp_path / "published")
    expected = warehouse.execute("select * from marts.mart_x order by all").fetchall()
    reader = duckdb.connect(str(publication.database), read_only=True)
    assert reader.execute("select * from mart_x").fetchall() == expected
    parquet = str(publication.parquet_dir / "mart_x.parquet")
    assert duckdb.execute("select * from read_parquet(?)", [parquet]).fetchall() == expected
