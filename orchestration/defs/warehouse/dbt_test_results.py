"""dbt's tests, reported on the models they test rather than as one Dagster event each.

`dbt build` runs about 60 tests (the tables' keys, not-nulls and accepted values are contract
constraints, not tests). As Dagster asset checks each costs a planned event when the run is
created and an evaluation event when it ends, written to the run storage one by one (with 180
tests, about a tenth of a one-month refresh), for rows a person reads as "all passed". So the tests
are not Dagster checks: dagster-dbt reports each as an observation of the model it tests, and
here those are gathered and written onto the model's materialization instead ("dbt tests: 12
passed"; a failing test is named). A failing test still fails `dbt build`, so the build fails,
nothing is published and the ledger says why.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import dagster as dg


@dataclass
class DbtTestResults:
    """Each tested asset's dbt tests: (test unique id, status)."""

    by_asset: dict[dg.AssetKey, list[tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def take(self, event: object) -> bool:
        """Keep a test's observation (True) rather than pass it on."""
        if not isinstance(event, dg.AssetObservation):
            return False
        metadata = event.metadata
        unique_id = metadata.get("unique_id")
        status = metadata.get("status")
        test_id = getattr(unique_id, "value", unique_id)
        if not isinstance(test_id, str) or not test_id.startswith("test."):
            return False
        self.by_asset[event.asset_key].append((test_id, str(getattr(status, "value", status))))
        return True

    def metadata_for(self, key: dg.AssetKey) -> dict[str, dg.MetadataValue]:
        tests = self.by_asset.get(key)
        if not tests:
            return {}
        failed = sorted(t.split(".")[2] for t, status in tests if status not in ("pass", "success"))
        summary = f"{len(tests) - len(failed)} of {len(tests)} passed"
        if failed:
            summary += "; not passed: " + ", ".join(failed)
        table = ["| test | status |", "|---|---|"] + [
            f"| {t.split('.')[2]} | {status} |" for t, status in sorted(tests)
        ]
        return {
            "dbt tests": dg.MetadataValue.text(summary),
            "dbt test results": dg.MetadataValue.md("\n".join(table)),
        }


def with_test_results(
    events: Iterable[object], results: DbtTestResults, assets_def: dg.AssetsDefinition
) -> Iterator[object]:
    """The materializations, each carrying its tests' results (known only once all ran)."""
    for event in events:
        if isinstance(event, dg.Output):
            key = assets_def.keys_by_output_name.get(event.output_name)
        else:
            key = getattr(event, "asset_key", None)
        extra = results.metadata_for(key) if key is not None else {}
        yield event.with_metadata({**event.metadata, **extra}) if extra else event
