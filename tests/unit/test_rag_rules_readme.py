"""The README's "How RAG is decided" says what the SQL does: its table is seeds/rag_reasons.csv
with each rule's {var} thresholds filled from dbt_project.yml, its thresholds are the dbt vars,
and int_dashboard_rating's one CASE tries the seed's codes in the seed's order."""

from __future__ import annotations

import csv
import re

import pytest
import yaml

from orchestration.settings import DBT_PROJECT_DIR

REPOSITORY = DBT_PROJECT_DIR.parent
README = REPOSITORY / "README.md"
SEED = REPOSITORY / "seeds" / "rag_reasons.csv"
RATING_SQL = DBT_PROJECT_DIR / "models" / "intermediate" / "int_dashboard_rating.sql"
RULE_SQL = (
    RATING_SQL,
    DBT_PROJECT_DIR / "models" / "intermediate" / "int_dashboard_assessment.sql",
)
SECTION = "#### How RAG is decided"


def dbt_vars() -> dict[str, object]:
    return yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]


def seed_rows() -> list[dict[str, str]]:
    with SEED.open(encoding="utf-8", newline="") as seed:
        return list(csv.DictReader(seed))


def readme_section(readme: str) -> str:
    """The section's text, to the next heading or code block."""
    if SECTION not in readme:
        raise AssertionError(f"{README.name} has no '{SECTION}' section")
    after = readme.split(SECTION, 1)[1]
    return re.split(r"\n(?:#{1,4} |```)", after, maxsplit=1)[0]


def filled(rule: str, variables: dict[str, object]) -> str:
    return re.sub(r"\{(\w+)\}", lambda name: str(variables[name.group(1)]), rule)


def expected_table(rows: list[dict[str, str]], variables: dict[str, object]) -> list[tuple]:
    """(order, code, rag, when) as the README should print them: 'restricted' (order 0, the
    published rating only) last."""
    ordered = sorted(rows, key=lambda row: (row["rule_order"] == "0", int(row["rule_order"])))
    return [
        (
            "last" if row["rule_order"] == "0" else row["rule_order"],
            row["reason_code"],
            row["rag"],
            filled(row["rule"], variables),
        )
        for row in ordered
    ]


def readme_table(section: str) -> list[tuple]:
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[1].startswith("`"):
            rows.append((cells[0], cells[1].strip("`"), cells[2], cells[3]))
    return rows


def readme_thresholds(section: str) -> dict[str, str]:
    return dict(re.findall(r"`(\w+)` = ([\w/-]+(?:\.\d+)?)", section))


def disagreements(
    readme: str, rows: list[dict[str, str]], variables: dict[str, object]
) -> list[str]:
    """Every way the README's section differs from the seed and the vars, in words."""
    section = readme_section(readme)
    problems = []
    written, wanted = readme_table(section), expected_table(rows, variables)
    for line in sorted(set(written) - set(wanted)):
        problems.append(f"README row {line} is not in {SEED.name} (with the vars filled in)")
    for line in sorted(set(wanted) - set(written)):
        problems.append(f"README lacks the row {line} of {SEED.name}")
    if not problems and written != wanted:
        problems.append(f"README rows are not in the seed's rule_order: {[r[1] for r in written]}")
    for name, value in readme_thresholds(section).items():
        if name not in variables:
            problems.append(f"README names `{name}`, which is not a dbt var")
        elif str(variables[name]) != value:
            problems.append(
                f"README says `{name}` = {value}; dbt_project.yml says {variables[name]}"
            )
    return problems


def test_the_readme_says_what_the_seed_and_the_vars_say():
    problems = disagreements(README.read_text(encoding="utf-8"), seed_rows(), dbt_vars())
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            "rag_min_events",
            "README row ('11', 'too_few_events', 'grey', 'a count has fewer than 10",
        ),
        ("significance_level", "README says `significance_level` = 0.05; dbt_project.yml says"),
    ],
)
def test_a_threshold_changed_in_dbt_project_yml_alone_fails(change, expected):
    """The check can fail: a var changed without the README is reported."""
    variables = dict(dbt_vars()) | {change: 0.01 if change == "significance_level" else 20}
    problems = disagreements(README.read_text(encoding="utf-8"), seed_rows(), variables)
    assert any(problem.startswith(expected) for problem in problems), problems


def test_a_colour_changed_in_the_seed_alone_fails():
    rows = [
        row | {"rag": "amber"} if row["reason_code"] == "too_few_events" else row
        for row in seed_rows()
    ]
    problems = disagreements(README.read_text(encoding="utf-8"), rows, dbt_vars())
    assert any("too_few_events', 'amber'" in problem for problem in problems), problems


def test_every_threshold_the_rating_reads_is_in_the_readme():
    """A var the rule SQL reads is either a threshold the README lists or filled into its table."""
    section = readme_section(README.read_text(encoding="utf-8"))
    listed = set(readme_thresholds(section))
    in_rules = {name for row in seed_rows() for name in re.findall(r"\{(\w+)\}", row["rule"])}
    read = {
        name
        for path in RULE_SQL
        for name in re.findall(r"var\(\s*['\"](\w+)['\"]\s*\)", path.read_text(encoding="utf-8"))
    }
    assert read, "found no var() in the rule SQL: has it moved?"
    assert read <= listed | in_rules, f"not in the README: {sorted(read - listed - in_rules)}"


def test_the_one_case_tries_the_seeds_codes_in_its_order():
    sql = RATING_SQL.read_text(encoding="utf-8")
    case = sql.split("coded as (", 1)[1].split("as rag_internal_reason_code", 1)[0]
    in_sql = re.findall(r"then\s+'(\w+)'", case) + re.findall(r"else\s+'(\w+)'", case)
    in_seed = [
        row["reason_code"]
        for row in sorted(seed_rows(), key=lambda row: int(row["rule_order"]))
        if row["rule_order"] != "0"
    ]
    assert in_sql == in_seed
    published = sql.split("published as (", 1)[1].split("as rag_reason_code", 1)[0]
    restricted = [row["reason_code"] for row in seed_rows() if row["rule_order"] == "0"]
    assert re.findall(r"then\s+'(\w+)'", published) == restricted


def test_readme_section_is_found():
    """A README without the section is a clear failure, not a pass over nothing."""
    with pytest.raises(AssertionError, match="How RAG is decided"):
        readme_section("# A README\n\nNothing about RAG.\n")
