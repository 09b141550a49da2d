"""Settings reach Dagster code as the `pcp_settings` resource, read from the environment when
a run or tick starts: each run sees the data dir its environment names, the writer lock is
taken on that data dir's warehouse, and every sensor and schedule of the code location asks
for the resource rather than reading the environment itself."""

import dagster as dg

from orchestration.lib.resources import SettingsResource, WarehouseWriter, run_resources
from orchestration.writer_lock import held_here
from tests.conftest import private_data_dir


@dg.asset
def seen(
    context: dg.AssetExecutionContext, pcp_settings: SettingsResource, warehouse: WarehouseWriter
):
    settings = pcp_settings.settings
    # The writer resource holds the lock of the same data dir's warehouse for the whole run.
    return str(settings.data_dir), held_here(settings.warehouse_path)


def test_each_run_reads_the_data_dir_its_environment_names(tmp_path, monkeypatch):
    resources = run_resources()  # one set of resources, as the code location keeps them
    for name in ("first", "second"):
        settings = private_data_dir(monkeypatch, tmp_path / name)
        result = dg.materialize([seen], resources=resources)
        assert result.output_for_node("seen") == (str(settings.data_dir), True)
        assert not held_here(settings.warehouse_path)  # let go when the run ends


def test_every_sensor_and_schedule_takes_the_settings_resource():
    from orchestration.definitions import defs

    assert isinstance(defs.resources["pcp_settings"], SettingsResource)
    ticks = [*defs.sensors, *defs.schedules]
    needs = {t.name: t.required_resource_keys for t in ticks}
    readers = [name for name, keys in needs.items() if name != "board_readiness_every_morning"]
    assert readers and all("pcp_settings" in needs[name] for name in readers), needs
