"""Build the neighbourhood policing area (NPA) seeds from the real public lookups.

Run by hand when the lookups or the force's NPA structure change (not part of ``make run``)::

    .venv/bin/python -m orchestration.npa_seed ../shared/data/real

The force's own LSOA -> NPA list is not public. Until it is loaded, the mapping is an
APPROXIMATION built from what is public (seed ``npa_mapping_versions`` says so):

- Outside Leicester every NPA is whole local authorities (Harborough and Wigston = Harborough +
  Oadby and Wigston; Hinckley and Blaby; Charnwood; Melton and Rutland), so an LSOA's NPA is its
  authority's, read from the LSOA name ("Charnwood 009G"), which works for both vintages. North
  West Leicestershire is missing from seed 003's list: it is kept as its own NPA.
- Inside Leicester the three city NPAs (City Centre, East Leicester, West Leicester) are built
  from the city's 21 wards (ONS LSOA11 -> ward 2019 lookup; ``LEICESTER_WARD_NPAS`` below).
- 2011 LSOAs: all 611 of LLR, from the ONS lookup.
- 2021 LSOAs: no ONS 2021 LSOA list is among the real files, so the 2021 codes are those the
  real police.uk 2024 files (which use 2021 LSOAs) carry in LLR's nine authorities. A 2011 code
  still used there is unchanged in 2021; a 2011 code not seen there is taken as retired. A new
  2021 code outside Leicester is placed by its authority; one inside Leicester gets the ward of
  the nearest retired 2011 LSOA of the same MSOA (the 2011 MSOAs of the unchanged LSOAs that
  share its 2021 MSOA, whose number is in its name), or of the city when there is none;
  distance between the mean positions of each LSOA's crimes (2011 codes: the 2019-2022
  police.uk files; 2021 codes: the 2024 files). The seed notes, for each such LSOA, which 2011
  LSOA placed it and how far away it was. An unchanged code can be renamed in 2021 (its MSOA
  renumbered): the seed keeps both names.
- Populations: NPAs of whole authorities take the authorities' populations (share 1). The city
  NPAs take a fixed share of Leicester's: ONS mid-2020 MSOA estimates (SAPE23DT4), each MSOA's
  residents split over NPAs in proportion to its 2011 LSOAs in each (LSOAs are drawn to hold
  similar numbers of residents), summed, divided by the city total.

Only facts learned from the real files (codes, names, wards, shares) go into the seeds; no row of
the real files is copied.
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

import duckdb

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
LSOA11_LOOKUP = Path(
    "lookups/Lower_Layer_Super_Output_Area_(2011)_to_Ward_(2019)_Lookup_in_England_and_Wales.csv"
)
MSOA_POPULATION = Path("population/sape23dt4mid2020msoa.csv")
STREET_2011 = Path("police_uk_street_leicestershire/*.csv")
STREET_2021 = Path("police_uk_street_leicestershire_2024/*.csv")

MAPPING_VERSION = 1
LEICESTER = "E06000016"

# NPA of each local authority that lies wholly in one NPA (Leicester is split by wards).
AUTHORITY_NPAS = {
    "E07000131": "harborough_and_wigston",  # Harborough
    "E07000135": "harborough_and_wigston",  # Oadby and Wigston
    "E07000132": "hinckley_and_blaby",  # Hinckley and Bosworth
    "E07000129": "hinckley_and_blaby",  # Blaby
    "E07000130": "charnwood",
    "E07000133": "melton_and_rutland",  # Melton
    "E06000017": "melton_and_rutland",  # Rutland
    "E07000134": "north_west_leicestershire",  # not in seed 003's list: kept, not dropped
}

# Leicester's wards (2019) by city NPA: Castle holds the city centre; the eleven eastern wards
# (Belgrave round to Knighton) make East Leicester, the nine western ones (Abbey round to
# Saffron) West Leicester. An approximation of the force's own boundaries, to be replaced with
# its LSOA list.
LEICESTER_WARD_NPAS = {
    "Castle": "city_centre",
    "Belgrave": "east_leicester",
    "Rushey Mead": "east_leicester",
    "Humberstone & Hamilton": "east_leicester",
    "Thurncourt": "east_leicester",
    "Troon": "east_leicester",
    "Evington": "east_leicester",
    "North Evington": "east_leicester",
    "Spinney Hills": "east_leicester",
    "Wycliffe": "east_leicester",
    "Stoneygate": "east_leicester",
    "Knighton": "east_leicester",
    "Abbey": "west_leicester",
    "Beaumont Leys": "west_leicester",
    "Fosse": "west_leicester",
    "Western": "west_leicester",
    "Westcotes": "west_leicester",
    "Braunstone Park & Rowley Fields": "west_leicester",
    "Aylestone": "west_leicester",
    "Eyres Monsell": "west_leicester",
    "Saffron": "west_leicester",
}

LSOA_COLUMNS = (
    "mapping_version",
    "lsoa_code",
    "lsoa_name_2011",
    "lsoa_name_2021",
    "in_2011",
    "in_2021",
    "local_authority_code",
    "local_authority_name",
    "ward_code",
    "ward_name",
    "npa_code",
    "placed_by",
    "placement_note",
)


def _distance_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Equirectangular distance: exact enough at a few kilometres."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6371.0 * math.hypot(x, y)


def _read_real(con: duckdb.DuckDBPyConnection, real_dir: Path) -> None:
    authorities = ", ".join(f"'{code}'" for code in (*AUTHORITY_NPAS, LEICESTER))
    con.execute(
        f"""
        create table lsoa11 as
        select LSOA11CD as lsoa_code, LSOA11NM as lsoa_name, WD19CD as ward_code,
               WD19NM as ward_name, LAD19CD as la_code, LAD19NM as la_name
        from read_csv('{real_dir / LSOA11_LOOKUP}', all_varchar = true)
        where LAD19CD in ({authorities})
        """
    )
    for table, pattern in (("street_2011", STREET_2011), ("street_2021", STREET_2021)):
        con.execute(
            f"""
            create table {table} as
            select "LSOA code" as lsoa_code, any_value("LSOA name") as lsoa_name,
                   regexp_extract(any_value("LSOA name"), '^(.*) [0-9]{{3}}[A-Z]$', 1) as la_name,
                   avg(try_cast("Longitude" as double)) as lon,
                   avg(try_cast("Latitude" as double)) as lat
            from read_csv('{real_dir / pattern}', all_varchar = true)
            where "LSOA code" is not null
            group by 1
            """
        )


def build_lsoa_rows(real_dir: Path) -> list[dict[str, str]]:
    """One row per LLR LSOA code of either vintage, with its NPA and how it was placed."""
    con = duckdb.connect()
    _read_real(con, real_dir)
    la_by_name = dict(con.execute("select distinct la_name, la_code from lsoa11").fetchall())
    lsoa11 = con.execute(
        "select lsoa_code, lsoa_name, ward_code, ward_name, la_code, la_name from lsoa11"
    ).fetchall()
    seen_2021 = {
        code: (name, la_name, lon, lat)
        for code, name, la_name, lon, lat in con.execute(
            "select lsoa_code, lsoa_name, la_name, lon, lat from street_2021"
        ).fetchall()
        if la_name in la_by_name
    }
    positions_2011 = {
        code: (lon, lat)
        for code, lon, lat in con.execute("select lsoa_code, lon, lat from street_2011").fetchall()
    }
    rows: list[dict[str, str]] = []
    retired_leicester = []
    for code, name, ward_code, ward_name, la_code, la_name in lsoa11:
        in_2021 = code in seen_2021
        if la_code == LEICESTER:
            npa, placed_by = LEICESTER_WARD_NPAS[ward_name], "ward"
            note = f"ward {ward_name}"
            if not in_2021:
                retired_leicester.append((code, name, ward_code, ward_name))
        else:
            npa, placed_by = AUTHORITY_NPAS[la_code], "local_authority"
            note = f"local authority {la_name}"
        if not in_2021:
            note += "; 2011 code not in the 2024 police.uk files: taken as retired in 2021"
        rows.append(
            {
                "lsoa_code": code,
                "lsoa_name_2011": name,
                # An unchanged code can be renamed in 2021 when its MSOA is renumbered
                # (Leicester 009E became Leicester 042B).
                "lsoa_name_2021": seen_2021[code][0] if in_2021 else "",
                "in_2011": "true",
                "in_2021": str(in_2021).lower(),
                "local_authority_code": la_code,
                "local_authority_name": la_name,
                "ward_code": ward_code,
                "ward_name": ward_name,
                "npa_code": npa,
                "placed_by": placed_by,
                "placement_note": note,
            }
        )
    known_2011 = {row["lsoa_code"] for row in rows}
    for code, (name, la_name, lon, lat) in sorted(seen_2021.items()):
        if code in known_2011:
            continue
        la_code = la_by_name[la_name]
        row = {
            "lsoa_code": code,
            "lsoa_name_2011": "",
            "lsoa_name_2021": name,
            "in_2011": "false",
            "in_2021": "true",
            "local_authority_code": la_code,
            "local_authority_name": la_name,
        }
        if la_code != LEICESTER:
            row |= {
                "ward_code": "",
                "ward_name": "",
                "npa_code": AUTHORITY_NPAS[la_code],
                "placed_by": "local_authority",
                "placement_note": f"2021 code; local authority {la_name}",
            }
        else:
            # A new 2021 LSOA is a split or merger of retired ones of the same MSOA. Its 2021
            # MSOA is in its name; the 2011 MSOAs that became it are those of the unchanged
            # LSOAs now in it (Leicester 043 holds 2011's 009A and 009C). Look among the retired
            # LSOAs of those MSOAs first, across the city only when there are none.
            msoas_2011 = {name[:-1]} | {
                other["lsoa_name_2011"][:-1]
                for other in rows
                if other["lsoa_name_2021"][:-1] == name[:-1] and other["in_2011"] == "true"
            }
            same_msoa = [old for old in retired_leicester if old[1][:-1] in msoas_2011]
            distance, nearest = min(
                (_distance_km(lon, lat, *positions_2011[old[0]]), old)
                for old in (same_msoa or retired_leicester)
                if old[0] in positions_2011
            )
            _, old_name, ward_code, ward_name = nearest
            where = "of its MSOA" if same_msoa else "in the city (no retired LSOA in its MSOA)"
            row |= {
                "ward_code": ward_code,
                "ward_name": ward_name,
                "npa_code": LEICESTER_WARD_NPAS[ward_name],
                "placed_by": "nearest_retired_2011_lsoa",
                "placement_note": (
                    f"2021 code; ward {ward_name} of the nearest retired 2011 LSOA {where}, "
                    f"{old_name} ({distance:.1f} km between mean crime positions)"
                ),
            }
        rows.append(row)
    for row in rows:
        row["mapping_version"] = str(MAPPING_VERSION)
    return sorted(rows, key=lambda row: row["lsoa_code"])


def leicester_population_shares(real_dir: Path, rows: list[dict[str, str]]) -> dict[str, float]:
    """Each city NPA's share of Leicester's residents (mid-2020 MSOA estimates, each MSOA split
    over NPAs by its 2011 LSOAs)."""
    con = duckdb.connect()
    msoas = con.execute(
        f"""
        select "MSOA Name", cast(replace("All Ages", ',', '') as bigint)
        from read_csv('{real_dir / MSOA_POPULATION}', all_varchar = true, encoding = 'latin-1')
        where "LA Code (2021 boundaries)" = '{LEICESTER}'
        """
    ).fetchall()
    residents: dict[str, float] = {}
    for msoa_name, population in msoas:
        members = [
            row["npa_code"]
            for row in rows
            if row["in_2011"] == "true" and row["lsoa_name_2011"][:-1] == msoa_name
        ]
        if not members:
            raise ValueError(f"MSOA {msoa_name} has no 2011 LSOA in the mapping")
        for npa in members:
            residents[npa] = residents.get(npa, 0.0) + population / len(members)
    total = sum(residents.values())
    return {npa: value / total for npa, value in sorted(residents.items())}


def write_seeds(real_dir: Path, seeds_dir: Path = SEEDS_DIR) -> None:
    rows = build_lsoa_rows(real_dir)
    with (seeds_dir / "npa_lsoas.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=LSOA_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    shares = leicester_population_shares(real_dir, rows)
    rounded = {npa: round(share, 6) for npa, share in shares.items()}
    # Rounding must not lose or invent residents: the largest share takes the remainder.
    largest = max(rounded, key=rounded.get)
    rounded[largest] = round(1 - sum(v for k, v in rounded.items() if k != largest), 6)
    share_rows = [
        (npa, la_code, "1.0", "the whole local authority")
        for la_code, npa in AUTHORITY_NPAS.items()
    ] + [
        (
            npa,
            LEICESTER,
            f"{share:.6f}",
            "ONS mid-2020 MSOA estimates (SAPE23DT4), MSOAs split by their 2011 LSOAs' NPAs",
        )
        for npa, share in rounded.items()
    ]
    with (seeds_dir / "npa_population_shares.csv").open(
        "w", newline="", encoding="utf-8"
    ) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            ["mapping_version", "npa_code", "area_code", "population_share", "share_basis"]
        )
        for npa, la_code, share, basis in sorted(share_rows):
            writer.writerow([MAPPING_VERSION, npa, la_code, share, basis])


if __name__ == "__main__":
    write_seeds(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/real").resolve())
