-- The conformed dimension, as analysts query it: its rows are built once, in int_calendar_months.
select * from {{ ref('int_calendar_months') }}
