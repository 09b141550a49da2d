"""The LSOA -> neighbourhood policing area (NPA) seeds (issue 16, part 3), against the real public
files in ../shared/data/real: every LLR LSOA of both vintages is mapped, each to exactly one NPA
per mapping version, North West Leicestershire is kept, the seed is what its builder makes from
the lookups, and the population shares add up."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from orchestration import npa_seed
from orchestration.settings import SEEDS_DIR
from tests.conftest import REAL_DATA_DIR, require_shared

SEED_003_NPAS = {
    "Harborough and Wigston",
    "City Centre",
    "East Leicester",
    "Hinckley and Blaby",
    "Charnwood",
    "Melton and Rutland",
    "West Leicester",
}
LLR_AUTHORITIES = {
    "Leicester",
    "Rutland",
    "Blaby",
    "Charnwood",
    "Harborough",
    "Hinckley and Bosworth",
    "Melton",
    "North West Leicestershire",
    "Oadby and Wigston",
}


def read_seed(name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def real_dir() -> Path:
    return require_shared(REAL_DATA_DIR / "lookups", "The ONS lookups").parent


@pytest.fixture(scope="module")
def mapping() -> dict[str, dict[str, str]]:
    return {row["lsoa_code"]: row for row in read_seed("npa_lsoas")}


def llr_codes_in_street_files(real_dir: Path, folder: str) -> dict[str, str]:
    """LSOA code -> name of every row of the real police.uk files whose LSOA name puts it in one
    of LLR's nine authorities (the name carries the authority whatever the vintage)."""
    require_shared(real_dir / folder, f"The real police.uk files {folder}")
    rows = duckdb.sql(
        f"""
        select distinct "LSOA code", "LSOA name",
               regexp_extract("LSOA name", '^(.*) [0-9]{{3}}[A-Z]$', 1)
        from read_csv('{real_dir / folder}/*.csv', all_varchar = true)
        where "LSOA code" is not null
        """
    ).fetchall()
    return {code: name for code, name, authority in rows if authority in LLR_AUTHORITIES}


def test_every_llr_2011_lsoa_of_the_ons_lookup_is_mapped(real_dir, mapping):
    lookup = real_dir / npa_seed.LSOA11_LOOKUP
    with lookup.open(newline="", encoding="utf-8-sig") as handle:
        llr = {
            row["LSOA11CD"]: row
            for row in csv.DictReader(handle)
            if row["LAD19NM"] in LLR_AUTHORITIES
        }
    assert len(llr) == 611
    missing = sorted(set(llr) - set(mapping))
    assert not missing, f"2011 LSOAs of LLR with no NPA: {missing[:10]}"
    for code, row in llr.items():
        assert mapping[code]["in_2011"] == "true"
        assert mapping[code]["local_authority_code"] == row["LAD19CD"]
        assert mapping[code]["ward_code"] == row["WD19CD"]
        assert mapping[code]["lsoa_name_2011"] == row["LSOA11NM"]


def test_every_llr_lsoa_of_the_real_2024_police_uk_files_is_a_mapped_2021_lsoa(real_dir, mapping):
    seen = llr_codes_in_street_files(real_dir, "police_uk_street_leicestershire_2024")
    assert len(seen) == 634  # 587 unchanged 2011 codes + 47 new 2021 codes
    missing = sorted(set(seen) - set(mapping))
    assert not missing, f"2021 LSOAs of LLR in the 2024 files with no NPA: {missing[:10]}"
    for code, name in seen.items():
        assert mapping[code]["in_2021"] == "true", code
        assert mapping[code]["lsoa_name_2021"] == name
    new_codes = [code for code in seen if mapping[code]["in_2011"] == "false"]
    assert len(new_codes) == 47
    # and nothing is called 2021 that the 2024 files do not carry
    assert {c for c, row in mapping.items() if row["in_2021"] == "true"} == set(seen)


def test_every_llr_lsoa_of_the_older_real_files_is_mapped(real_dir, mapping):
    seen = llr_codes_in_street_files(real_dir, "police_uk_street_leicestershire")
    assert set(seen) <= {c for c, row in mapping.items() if row["in_2011"] == "true"}


def test_every_lsoa_maps_to_exactly_one_npa_of_its_version():
    versions = {row["mapping_version"] for row in read_seed("npa_mapping_versions")}
    npas = defaultdict(set)
    for row in read_seed("npas"):
        npas[row["mapping_version"]].add(row["npa_code"])
    seen = defaultdict(set)
    for row in read_seed("npa_lsoas"):
        assert row["mapping_version"] in versions
        assert row["npa_code"] in npas[row["mapping_version"]], row
        key = (row["mapping_version"], row["lsoa_code"])
        assert key not in seen, f"{key} is mapped twice"
        seen[key].add(row["npa_code"])
        assert row["in_2011"] == "true" or row["in_2021"] == "true"


def test_the_seed_003_npas_are_there_and_north_west_leicestershire_is_kept(mapping):
    npas = {row["npa_name"]: row for row in read_seed("npas")}
    assert set(npas) == SEED_003_NPAS | {"North West Leicestershire"}
    assert {name for name, row in npas.items() if row["in_seed_003_list"] == "true"} == (
        SEED_003_NPAS
    )
    nwl = [
        row
        for row in mapping.values()
        if row["local_authority_name"] == "North West Leicestershire"
    ]
    assert len(nwl) >= 58  # every one of its 58 LSOAs of 2011, and its new 2021 ones
    assert {row["npa_code"] for row in nwl} == {"north_west_leicestershire"}


def test_authorities_and_wards_are_never_split(mapping):
    """Outside Leicester an NPA is whole authorities; inside, whole wards."""
    by_unit = defaultdict(set)
    for row in mapping.values():
        unit = row["ward_name"] if row["local_authority_name"] == "Leicester" else None
        by_unit[(row["local_authority_name"], unit)].add(row["npa_code"])
    split = {unit: npas for unit, npas in by_unit.items() if len(npas) > 1}
    assert not split
    city = {npa for (la, _), npas in by_unit.items() if la == "Leicester" for npa in npas}
    assert city == {"city_centre", "east_leicester", "west_leicester"}


def test_new_2021_leicester_lsoas_are_placed_by_a_retired_2011_lsoa_of_their_msoa(mapping):
    new_city = [
        row
        for row in mapping.values()
        if row["in_2011"] == "false" and row["local_authority_name"] == "Leicester"
    ]
    assert len(new_city) == 18
    retired = {
        row["lsoa_name_2011"]: row
        for row in mapping.values()
        if row["in_2021"] == "false" and row["local_authority_name"] == "Leicester"
    }
    for row in new_city:
        assert row["placed_by"] == "nearest_retired_2011_lsoa"
        placer = next(name for name in retired if name in row["placement_note"])
        assert retired[placer]["ward_name"] == row["ward_name"]
        assert retired[placer]["npa_code"] == row["npa_code"]
        # a retired LSOA of its own MSOA was found for every one (for the 2021 MSOA Leicester
        # 043, through the unchanged 2011 LSOAs of MSOA 009 now in it)
        assert "of its MSOA" in row["placement_note"]


def test_the_committed_seeds_are_what_the_builder_makes_from_the_real_files(real_dir, tmp_path):
    npa_seed.write_seeds(real_dir, tmp_path)
    for name in ("npa_lsoas.csv", "npa_population_shares.csv"):
        assert (tmp_path / name).read_text(encoding="utf-8") == (SEEDS_DIR / name).read_text(
            encoding="utf-8"
        ), f"seeds/{name} differs from what orchestration/npa_seed.py builds: rerun it"


def test_population_shares_add_up_to_each_authority():
    totals = defaultdict(float)
    for row in read_seed("npa_population_shares"):
        totals[(row["mapping_version"], row["area_code"])] += float(row["population_share"])
    areas = {
        row["area_code"] for row in read_seed("areas") if row["area_type"] == "local_authority"
    }
    assert {area for _, area in totals} == areas
    for key, total in totals.items():
        assert total == pytest.approx(1.0, abs=1e-9), key


def test_the_mapping_is_marked_an_approximation_with_its_dates():
    (version,) = read_seed("npa_mapping_versions")
    assert version["is_approximation"] == "true"
    assert version["valid_from"] and not version["valid_to"]
    assert "force's own" in version["note"]


def test_the_demo_lsoas_of_the_force_area_are_all_mapped(mapping):
    """Demo crimes never land in the unmapped member."""
    demo = Path(npa_seed.__file__).parent / "demo" / "data" / "lsoas.csv"
    with demo.open(newline="", encoding="utf-8") as handle:
        in_force = {
            row["lsoa_code"] for row in csv.DictReader(handle) if row["in_force_area"] == "true"
        }
    assert in_force <= set(mapping)
