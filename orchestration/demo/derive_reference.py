"""Derive the demo generator's reference tables from the real public files.

Run by hand when the real files change (it is not part of ``make run``)::

    .venv/bin/python -m orchestration.demo.derive_reference ../shared/data/real

It writes small aggregate facts (LSOA code lists with centroids and weights, the mix of crime
types across local authorities, the mix of outcomes per crime type) to ``orchestration/demo/data``.
No row of the real files is copied: only counts, shares and averages, which the data's licence
(OGL v3) and the project's rules allow.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

OUT_DIR = Path(__file__).parent / "data"
LSOA11_LOOKUP = (
    "Lower_Layer_Super_Output_Area_(2011)_to_Ward_(2019)_Lookup_in_England_and_Wales.csv"
)
LLR_LA_NAMES = (
    "Leicester",
    "Rutland",
    "Blaby",
    "Charnwood",
    "Harborough",
    "Hinckley and Bosworth",
    "Melton",
    "North West Leicestershire",
    "Oadby and Wigston",
)


def derive(real_dir: Path) -> None:
    con = duckdb.connect()
    llr = ", ".join(f"'{name}'" for name in LLR_LA_NAMES)
    con.execute(
        f"""
        create table street as
        select *,
               regexp_extract("LSOA name", '^(.*) [0-9]{{3}}[A-Z]$', 1) as la_name,
               "Month" >= '2024-01' as newer_vintage
        from read_csv('{real_dir}/police_uk_street_leicestershire*/*.csv', all_varchar = true)
        """
    )
    lookup = real_dir / "lookups" / LSOA11_LOOKUP
    con.execute(
        f"create table lsoa11 as select LSOA11CD as lsoa_code "
        f"from read_csv('{lookup}', all_varchar = true)"
    )
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    # LSOAs seen, with the vintage of their code: 2011 (in the 2011 lookup, seen only before
    # 2024), 2021 (not in the 2011 lookup: new 2021 codes), both (in the 2011 lookup and still
    # used from 2024). Weights are shares of the authority's rows before 2024 and from 2024, so
    # busy LSOAs stay busy and newer demo months carry 2021 codes as often as the real ones do.
    con.execute(
        f"""
        copy (
            with seen as (
                select "LSOA code" as lsoa_code, any_value("LSOA name") as lsoa_name,
                       any_value(la_name) as la_name,
                       round(avg(try_cast("Longitude" as double)), 6) as longitude,
                       round(avg(try_cast("Latitude" as double)), 6) as latitude,
                       count(*) filter (where not newer_vintage) as n_before_2024,
                       count(*) filter (where newer_vintage) as n_from_2024
                from street where "LSOA code" is not null group by 1
            ),
            classified as (
                select *, la_name in ({llr}) as in_force_area,
                       case when lsoa_code not in (select lsoa_code from lsoa11) then '2021'
                            when n_from_2024 > 0 then 'both' else '2011' end as vintage
                from seen
            )
            select lsoa_code, lsoa_name, la_name, vintage, in_force_area, longitude, latitude,
                   round(n_before_2024 / sum(n_before_2024) over w, 8) as weight_before_2024,
                   round(n_from_2024 / nullif(sum(n_from_2024) over w, 0), 8) as weight_from_2024
            from classified
            window w as (partition by in_force_area, case when in_force_area then la_name end)
            order by in_force_area desc, la_name, lsoa_name
        ) to '{OUT_DIR}/lsoas.csv' (header, delimiter ',')
        """
    )
    con.execute(
        f"""
        copy (
            select "Crime type" as crime_type,
                   case when "LSOA code" is null then 'No Location'
                        when la_name in ({llr}) then la_name else 'Outside force area' end as area,
                   round(count(*) / sum(count(*)) over (partition by "Crime type"), 6) as share
            from street where "Month" >= '2022-01'
            group by 1, 2 order by 1, 2
        ) to '{OUT_DIR}/crime_area_shares.csv' (header, delimiter ',')
        """
    )
    # Settled outcomes only: the generator adds "Under investigation" itself, by a crime's age.
    con.execute(
        f"""
        copy (
            select "Crime type" as crime_type, "Last outcome category" as outcome,
                   round(count(*) / sum(count(*)) over (partition by "Crime type"), 6) as share
            from street
            where "Last outcome category" is not null
              and "Last outcome category" <> 'Under investigation'
              and "Month" < '2022-04'
            group by 1, 2 order by 1, 3 desc
        ) to '{OUT_DIR}/outcome_mix.csv' (header, delimiter ',')
        """
    )


if __name__ == "__main__":
    derive(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/real").resolve())
