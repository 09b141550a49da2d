"""Partner returns, CSEW estimates and the Home Office CSP table: what loads, what is refused."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.csew.format import CsewFormat
from orchestration.defs.home_office.format import CspCrimeFormat
from orchestration.defs.partner_returns.format import PartnerReturnFormat
from orchestration.landing.files import LandedFile
from orchestration.landing.refusal import FileRefused

RETURN_HEADER = [
    "metric_id",
    "area",
    "period",
    "value",
    "numerator",
    "denominator",
    "submitted_by",
    "submitted_at",
]
CSEW_HEADER = ["force", "period", "measure", "estimate", "ci_lower", "ci_upper", "unweighted_n"]
HO_HEADER = [
    "Financial Year",
    "Financial Quarter",
    "Force Name",
    "CSP Name",
    "Offence Description",
    "Offence Group",
    "Offence Subgroup",
    "Offence Code",
    "Number of Offences",
]


LLR_CSPS = (
    "Leicester",
    "Blaby",
    "Charnwood",
    "Harborough",
    "Hinckley and Bosworth",
    "Melton",
    "North West Leicestershire",
    "Oadby and Wigston",
    "Rutland",
)


def every_other_csp(year: str, quarter: str, but: tuple[str, ...]) -> list[list[str]]:
    """Rows for the other Leicestershire CSPs, so the quarter is complete (a quarter must cover
    every CSP of the force)."""
    return [[year, quarter, "Leicestershire", csp, "Harassment", "VAP", "Stalking and harassment",
             "8N", "3"] for csp in LLR_CSPS if csp not in but]  # fmt: skip


def write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def con():
    connection = duckdb.connect()
    for fmt in (PartnerReturnFormat(),):
        fmt.ensure_tables(connection)
    yield connection
    connection.close()


def test_a_good_partner_return_loads_with_area_names_and_yes_no(con, tmp_path):
    path = write(
        tmp_path / "partner-return-finance.csv",
        RETURN_HEADER,
        [
            [
                "1",
                "Leicestershire Police force area",
                "2024/25",
                "yes",
                "",
                "",
                "Finance team",
                "2025-05-02",
            ],
            ["78", "E23000021", "2025/26-Q1", "87.5", "175", "200", "Victims team", "08/07/2025"],
            [
                "37",
                "Charnwood",
                "2025/26-Q1",
                "12",
                "",
                "",
                "Treatment service",
                "2025-07-08T09:30:00",
            ],
        ],
    )
    fmt = PartnerReturnFormat()
    assert fmt.stage(con, path, path.name) == 3
    fmt.replace(con, path.name, "a" * 64)
    assert con.execute("select metric_id, area_code, period_type, value from raw.partner_returns order by source_line").fetchall() == [
        ("1", "E23000021", "year", "Y"), ("78", "E23000021", "quarter", "87.5"), ("37", "E07000130", "quarter", "12.0"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("row", "column", "problem"),
    [
        (["99", "E23000021", "2025/26-Q1", "1"], "metric_id", "not a metric of the plan"),
        (["69", "E23000021", "2025/26-Q1", "2.5"], "metric_id", "computed from police_uk"),
        (["37", "Narnia", "2025/26-Q1", "1"], "area", "not an area"),
        (["37", "E23000021", "Q1 2025", "1"], "period", "not a period"),
        (["6", "E23000021", "2025/26-Q1", "60"], "period", "annual"),
        (["37", "E23000021", "2030/31-Q1", "1"], "period", "not ended"),
        (["37", "E23000021", "2025/26-Q1", "lots"], "value", "text where a number"),
        (["78", "E23000021", "2025/26-Q1", "0.87"], None, None),  # 0.87 percent is a valid number
        (
            ["78", "E23000021", "2025/26-Q1", "187"],
            "value",
            "outside the range of its unit (percent)",
        ),
        (["78", "E23000021", "2025/26-Q1", "60", "175", "200"], "value", "does not match"),
        (["1", "E23000021", "2024/25", "maybe"], "value", "yes/no"),
    ],
)
def test_partner_return_rows_that_do_not_fit_the_catalogue_are_refused(
    con, tmp_path, row, column, problem
):
    full = row + [""] * (6 - len(row)) + ["Someone", "2025-07-08"]
    path = write(tmp_path / "partner-return-x.csv", RETURN_HEADER, [full])
    if column is None:
        assert PartnerReturnFormat().stage(con, path, path.name) == 1
        return
    with pytest.raises(FileRefused) as refused:
        PartnerReturnFormat().stage(con, path, path.name)
    assert (refused.value.row, refused.value.column) == (2, column)
    assert problem in refused.value.problem


def test_csew_takes_the_force_and_its_peers_only(settings, tmp_path):
    fmt = CsewFormat(settings)
    con = duckdb.connect()
    fmt.ensure_tables(con)
    good = write(
        tmp_path / "csew-2025-03.csv",
        CSEW_HEADER,
        [
            ["Leicestershire Police", "2025-03", "confidence", "65.9", "62.1", "69.7", 600],
            [
                "Nottinghamshire",
                "Year ending March 2025",
                "Police do a good or excellent job",
                "47",
                "43",
                "51",
                580,
            ],
        ],
    )
    assert fmt.partitions_of(LandedFile("csew", good, "0" * 64)) == ("2025-03",)
    fmt.stage(con, good, good.name)
    fmt.replace(con, good.name, "a" * 64)
    assert con.execute("select force_slug, measure, round(estimate, 1) from raw.csew_force_estimates order by 1").fetchall() == [
        ("leicestershire", "confidence", 65.9), ("nottinghamshire", "good_job", 47.0),
    ]  # fmt: skip
    for row, column in [
        (["Merseyside Police", "2025-03", "confidence", "60", "56", "64", 500], "force"),
        (["Leicestershire Police", "2025-02", "confidence", "60", "56", "64", 500], "period"),
        (["Leicestershire Police", "2025-03", "happiness", "60", "56", "64", 500], "measure"),
        (["Leicestershire Police", "2025-03", "confidence", "70", "56", "64", 500], "estimate"),
    ]:
        bad = write(tmp_path / "csew-bad.csv", CSEW_HEADER, [row])
        with pytest.raises(FileRefused) as refused:
            fmt.stage(con, bad, bad.name)
        assert (refused.value.row, refused.value.column) == (2, column)


def test_home_office_table_keeps_every_force_by_quarter(settings, tmp_path):
    """The national table is kept whole (Nottinghamshire's Ashfield too), by quarter."""
    fmt = CspCrimeFormat(settings)
    con = duckdb.connect()
    fmt.ensure_tables(con)
    path = write(
        tmp_path / "prc-csp-2024.csv",
        HO_HEADER,
        [
            [
                "2024/25",
                "4",
                "Leicestershire",
                "Charnwood",
                "Stalking",
                "VAP",
                "Stalking and harassment",
                "8Q",
                "1,204",
            ],
            ["2024/25", "1", "Leicestershire", "Blaby", "Murder", "VAP", "Homicide", "1", "0"],
            ["2024/25", "1", "Nottinghamshire", "Ashfield", "Murder", "VAP", "Homicide", "1", "1"],
            *every_other_csp("2024/25", "4", ("Charnwood",)),
            *every_other_csp("2024/25", "1", ("Blaby",)),
        ],
    )
    assert fmt.partitions_of(LandedFile("home_office", path, "0" * 64)) == ("2024-04", "2025-01")
    assert fmt.stage(con, path, path.name) == 3 + 2 * 8
    fmt.replace(con, path.name, "a" * 64)
    assert con.execute(
        "select csp_name, number_of_offences, partition_quarter::varchar from raw.home_office_csp_crime "
        "where csp_name in ('Ashfield', 'Blaby', 'Charnwood') and offence_code <> '8N' order by 1"
    ).fetchall() == [
        ("Ashfield", "1", "2024-04-01"),
        ("Blaby", "0", "2024-04-01"),
        ("Charnwood", "1204", "2025-01-01"),
    ]
    bad = write(
        tmp_path / "prc-csp-bad.csv",
        HO_HEADER,
        [
            ["2024-25", "1", "Leicestershire", "Blaby", "Murder", "VAP", "Homicide", "1", "0"],
        ],
    )
    with pytest.raises(FileRefused) as refused:
        fmt.stage(con, bad, bad.name)
    assert (refused.value.row, refused.value.column) == (2, "financial_year")
