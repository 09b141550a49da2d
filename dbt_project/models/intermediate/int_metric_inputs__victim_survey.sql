-- Monthly inputs of the satisfaction metrics, force-wide: respondents who answered the
-- question (denominator) and those at or above the metric's "satisfied" score (numerator),
-- per the metric_survey_measures seed. A response with no answer is not a respondent.
with

responses as (

    select * from {{ ref('stg_victim_survey__responses') }}

),

measures as (

    select metric_id, survey, cast(satisfied_from_score as integer) as satisfied_from_score
    from {{ ref('metric_survey_measures') }}
    where source = 'victim_survey'

),

force as (

    select area_code from {{ ref('int_areas') }} where area_type = 'force'

)

select
    measures.metric_id,
    responses.month_start,
    force.area_code,
    count(*) filter (where responses.overall_satisfaction >= measures.satisfied_from_score)
        as numerator,
    count(responses.overall_satisfaction) as denominator
from responses
inner join measures on measures.survey = responses.survey
cross join force
group by all
