"""An intake source: one dataset's format, the asset that loads it, and how it is partitioned.

Every source's ``defs/<source>/assets.py`` declares its ``IntakeSource`` objects; the refresh
driver, sensors and schedules work from the registry in ``defs/intake_sources.py``, so a new
source is added in one place.
"""

from dataclasses import dataclass
from functools import cached_property

import dagster as dg

from orchestration.lib.intake_assets import FormatFactory, intake_asset
from orchestration.lib.partitions import PARTITIONS_BY_CADENCE
from orchestration.quality.audit import DatasetSuite


def intake_job_name(cadence: str) -> str:
    return f"intake_{cadence}_sources"


@dataclass(frozen=True)
class IntakeSource:
    key: dg.AssetKey
    make_format: FormatFactory
    group: str
    description: str
    # The dataset's Great Expectations suite, run on each file's staged rows before they load.
    suite: DatasetSuite | None = None
    cadence: str = "monthly"  # monthly | quarterly | unpartitioned
    deps: tuple[dg.AssetKey, ...] = ()

    @property
    def partitions_def(self) -> dg.PartitionsDefinition | None:
        return PARTITIONS_BY_CADENCE[self.cadence]

    @property
    def job_name(self) -> str:
        return intake_job_name(self.cadence)

    @cached_property
    def asset(self) -> dg.AssetsDefinition:
        return intake_asset(
            key=self.key,
            make_format=self.make_format,
            group=self.group,
            description=self.description,
            suite=self.suite,
            partitions_def=self.partitions_def,
            deps=self.deps,
        )
