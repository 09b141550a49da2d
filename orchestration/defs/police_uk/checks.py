"""The police.uk Great Expectations suites, as intake runs them on each file's staged rows."""

from orchestration.defs.police_uk.format import force_name
from orchestration.forces import configured_forces
from orchestration.quality.audit import DatasetSuite


def _parameters(settings, months):
    return {"months": months, "forces": [force_name(f.slug) for f in configured_forces(settings)]}


_WITH_COORDINATES = """
    select *, try_cast(longitude as double) as longitude_num,
              try_cast(latitude as double) as latitude_num
    from {rows}
"""

STREET_SUITE = DatasetSuite(
    suite="police_uk_street", frame_query=_WITH_COORDINATES, parameters=_parameters
)

OUTCOMES_SUITE = DatasetSuite(
    suite="police_uk_outcomes", frame_query=_WITH_COORDINATES, parameters=_parameters
)
