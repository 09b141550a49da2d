-- Respondents and satisfied respondents (4 or 5 on the 5-point scale: fairly or very
-- satisfied) per survey and month. A response with no answer to the question is not a
-- respondent for it.
select
    survey,
    month_start,
    count(*) as responses,
    count(overall_satisfaction) as respondents,
    count(*) filter (where overall_satisfaction >= 4) as satisfied
from {{ ref('stg_victim_survey__responses') }}
group by survey, month_start
