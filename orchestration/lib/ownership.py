"""Who owns each dbt-built Dagster asset: one mapping, by asset group, read by the dbt
translator and the ops.file_manifest asset, so the UI's Owner column is never blank. (The
intake, publication and alert assets name DATA_ENGINEERING's value in their own decorators;
tests/unit/test_asset_ownership.py holds every asset to having an owner.)

The pipeline's own layers (raw intake, staging, intermediate, marts, publication, alerts) belong
to the data engineering team; the reference seeds (metric catalogue, boards, leads, areas) are
kept by the performance team, who edit them. A mart that *is* the delivery board's view has the
board's chair as owner too, by the email in seeds/board_leads.csv, so there is one home for it.
"""

from __future__ import annotations

DATA_ENGINEERING = "team:data-engineering"
PERFORMANCE = "team:performance"

# Asset group -> its owners. Raw intake groups are named after their source (police_uk, ...)
# and fall to the default.
OWNERS_BY_GROUP: dict[str, list[str]] = {"reference": [PERFORMANCE]}
DEFAULT_OWNERS = [DATA_ENGINEERING]

# Marts that are a board's own view: dbt model name -> the lead (board_leads.lead_key) who
# owns them beside the data engineering team.
LEAD_OWNED_MARTS: dict[str, str] = {
    "mart_delivery_dashboard": "board_chair",
    "mart_board_readiness": "board_chair",
    "mart_board_source_status": "board_chair",
}


def lead_email(lead_key: str) -> str:
    """The email of a lead in seeds/board_leads.csv; a KeyError names a lead that is not there."""
    from orchestration.reference import board_leads

    emails = {row["lead_key"]: row["email"] for row in board_leads()}
    if lead_key not in emails:
        raise KeyError(
            f"seeds/board_leads.csv has no lead_key {lead_key!r} (LEAD_OWNED_MARTS in "
            f"orchestration/lib/ownership.py names it); leads: {', '.join(sorted(emails))}"
        )
    return emails[lead_key]


def owners_for(group: str, name: str | None = None) -> list[str]:
    """The owners of an asset in ``group`` (``name``: its dbt model name, for lead-owned marts)."""
    owners = list(OWNERS_BY_GROUP.get(group, DEFAULT_OWNERS))
    if name in LEAD_OWNED_MARTS:
        owners.append(lead_email(LEAD_OWNED_MARTS[name]))
    return owners
