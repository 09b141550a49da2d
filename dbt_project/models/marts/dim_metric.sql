-- The conformed dimension, as analysts query it: its rows are built once, in int_metric_catalogue.
select * from {{ ref('int_metric_catalogue') }}
