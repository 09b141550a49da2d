-- The conformed dimension, as analysts query it: its rows are built once, in int_areas.
select * from {{ ref('int_areas') }}
