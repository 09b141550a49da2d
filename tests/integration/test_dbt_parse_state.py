"""A new data dir's first build starts from the checkout's dbt parse state (the one `make`'s
`dbt parse` leaves beside the manifest), so dbt does not parse the whole project again."""

from __future__ import annotations

from orchestration.dbt_manifest import parse
from orchestration.defs.warehouse import dbt_assets
from orchestration.defs.warehouse.dbt_assets import PARSE_STATE, dbt_target_dir, seed_parse_state
from orchestration.refresh import refresh


def _last_invocation(log) -> str:
    text = log.read_text(encoding="utf-8")
    return text[text.rindex("Running with dbt=") :]


def test_first_build_parses_nothing_when_the_checkout_is_parsed(settings, tmp_path, monkeypatch):
    # As the Makefile's manifest step parses (into a folder of the test's own).
    checkout_state = parse(tmp_path / "checkout-target").with_name(PARSE_STATE)
    monkeypatch.setattr(dbt_assets, "CHECKOUT_PARSE_STATE", checkout_state)
    target = dbt_target_dir(settings)
    assert not (target / PARSE_STATE).exists()

    summary = refresh(settings, full_build=True)

    assert summary.ok, summary
    log = _last_invocation(target / "dbt.log")
    assert "Partial parsing enabled, no changes found, skipping parsing" in log
    assert "Starting full parse" not in log and "Unable to do partial parsing" not in log
    assert not list(target.glob(f".{PARSE_STATE}.*"))  # no copy left half-way


def test_a_data_dir_keeps_its_own_parse_state(tmp_path, monkeypatch):
    checkout = tmp_path / "checkout" / PARSE_STATE
    checkout.parent.mkdir()
    checkout.write_bytes(b"checkout's")
    monkeypatch.setattr(dbt_assets, "CHECKOUT_PARSE_STATE", checkout)
    target = tmp_path / "data" / "dbt" / "target"

    assert seed_parse_state(target) is True
    assert (target / PARSE_STATE).read_bytes() == b"checkout's"
    # Once the data dir has its own (dbt rewrites it after each parse), it is never replaced.
    (target / PARSE_STATE).write_bytes(b"the data dir's")
    assert seed_parse_state(target) is False
    assert (target / PARSE_STATE).read_bytes() == b"the data dir's"


def test_no_checkout_state_no_copy(tmp_path, monkeypatch):
    monkeypatch.setattr(dbt_assets, "CHECKOUT_PARSE_STATE", tmp_path / "absent" / PARSE_STATE)
    target = tmp_path / "target"
    assert seed_parse_state(target) is False
    assert not (target / PARSE_STATE).exists()
