{#
    For a model built incrementally by delivered file (int_street_crimes_located): its rows are
    a function of each staging row alone, so the rows of a file are either all current or all
    gone. Run before the new files' rows are added (a pre-hook, in the model's transaction):
    delete the rows of every file no longer in `staging_model` for the home force (a month
    replaced by a corrected file, a refused file rolled back, another home force). Nothing on a
    model's first or full build, which builds it whole.
#}
{% macro remove_home_force_rows_of_files_gone(staging_model) %}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where source_sha256 not in (
            select distinct source_sha256
            from {{ ref(staging_model) }}
            where force_slug = '{{ var("home_force") }}' and source_sha256 is not null
        )
    {%- endif -%}
{% endmacro %}


{#
    For int_crime_outcomes_latest, built incrementally by delivered file. A crime's row is a
    function of every street and outcomes row under its force and Crime ID (and of the home
    force and the follow-up, which place and date it), so a build makes again the rows of the
    crimes on any row of a file new to the table, and every crime of a force one of whose files
    left staging (a month replaced by a corrected file, a file rolled back): which crimes such a
    file held is not kept, and corrections are rare. The table's own list of the files it was
    built from (`<table>__files`, written by `list_crime_outcome_files` in the model's
    transaction) says which files are new and which are gone; a list made under another home
    force or follow-up counts as gone, and with no list at all every crime is made again.
#}
{% macro crime_outcome_files_relation() %}
    {{ return(this.incorporate(path={"identifier": this.identifier ~ "__files"})) }}
{% endmacro %}

{#
    The files the table is built from now. The home force's street files are those
    int_street_crimes_located holds (the rows this model reads them through): if that table
    ever lags staging (one model re-run alone from the Dagster UI), its files are new here
    once it has them, not before.
#}
{% macro crime_outcome_files_now() %}
    {%- set built_with = var("home_force") ~ ":" ~ var("outcome_follow_up_months") -%}
    select distinct
        'street' as dataset, force_slug, source_sha256, '{{ built_with }}' as built_with
    from {{ ref('stg_police_uk__street_crimes') }}
    where force_slug <> '{{ var("home_force") }}'
    union
    select distinct 'street', force_slug, source_sha256, '{{ built_with }}'
    from {{ ref('int_street_crimes_located') }}
    union
    select distinct 'outcomes', force_slug, source_sha256, '{{ built_with }}'
    from {{ ref('stg_police_uk__outcomes') }}
{% endmacro %}

{# The relation of the table's file list, or none when there is none to trust. #}
{% macro crime_outcome_files_listed() %}
    {%- set files = crime_outcome_files_relation() -%}
    {{ return(adapter.get_relation(files.database, files.schema, files.identifier)) }}
{% endmacro %}

{#
    A select of the forces whose every crime is made again: those with a listed file gone from
    staging. Only with a list (crime_outcome_files_listed).
#}
{% macro crime_outcome_forces_rebuilt() %}
    select distinct force_slug
    from (
        select dataset, force_slug, source_sha256, built_with
        from {{ crime_outcome_files_relation() }}
        except
        select * from ({{ crime_outcome_files_now() }}) as now
    ) as gone
{% endmacro %}

{# A select of the (force_slug, crime_id) keys whose rows this build makes again. #}
{% macro crime_outcome_keys_to_rebuild() %}
    {%- set listed = crime_outcome_files_listed() -%}
    {%- if listed is none -%}
        select force_slug, crime_id from {{ ref('stg_police_uk__street_crimes') }}
        where crime_id is not null
    {%- else -%}
        with
        new_files as (
            select source_sha256 from ({{ crime_outcome_files_now() }}) as now
            anti join {{ listed }} as listed using (dataset, force_slug, source_sha256, built_with)
        ),
        forces_rebuilt as ({{ crime_outcome_forces_rebuilt() }})
        select force_slug, crime_id from {{ ref('stg_police_uk__street_crimes') }}
        where crime_id is not null and force_slug <> '{{ var("home_force") }}'
            and (source_sha256 in (select source_sha256 from new_files)
                or force_slug in (select force_slug from forces_rebuilt))
        union
        select force_slug, crime_id from {{ ref('int_street_crimes_located') }}
        where crime_id is not null
            and (source_sha256 in (select source_sha256 from new_files)
                or force_slug in (select force_slug from forces_rebuilt))
        union
        select force_slug, crime_id from {{ ref('stg_police_uk__outcomes') }}
        where crime_id is not null
            and (source_sha256 in (select source_sha256 from new_files)
                or force_slug in (select force_slug from forces_rebuilt))
    {%- endif -%}
{% endmacro %}

{#
    Pre-hook (in the model's transaction, before its rows are selected): delete the rows made
    again, and every row of a force whose crimes are all made again (a crime only a gone file
    held has no row left to make). With no file list, every row.
#}
{% macro remove_crime_outcomes_to_rebuild() %}
    {%- if is_incremental() -%}
        {%- if crime_outcome_files_listed() is none -%}
            delete from {{ this }}
        {%- else -%}
            delete from {{ this }} as built
            where built.force_slug in ({{ crime_outcome_forces_rebuilt() }})
                or exists (
                    select 1 from ({{ crime_outcome_keys_to_rebuild() }}) as rebuild
                    where rebuild.force_slug = built.force_slug
                        and rebuild.crime_id = built.crime_id
                )
        {%- endif -%}
    {%- endif -%}
{% endmacro %}

{# Post-hook (in the model's transaction): the files the table is now built from. #}
{% macro list_crime_outcome_files() %}
    create or replace table {{ crime_outcome_files_relation() }} as
    {{ crime_outcome_files_now() }}
{% endmacro %}
