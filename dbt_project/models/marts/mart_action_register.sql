-- One row per action per board (the latest board is the register as it stands): status as at
-- the board, the history of agreed changes, and the metrics it is meant to move with their
-- RAG on the board's dashboard (mart_delivery_dashboard for the board's reporting quarter).
with

actions as (

    select * from {{ ref('int_action_status_at_board') }}

),

dashboard as (

    select reporting_quarter, metric_id, ref_number, metric_name, rag
    from {{ ref('mart_delivery_dashboard') }}

),

linked as (

    select
        actions.board_date,
        actions.reference,
        string_agg(
            coalesce(cast(dashboard.ref_number as varchar), linked_metric) || ' '
            || coalesce(dashboard.metric_name, 'not on the dashboard') || ' ('
            || coalesce(dashboard.rag, 'no rating') || ')',
            '; ' order by dashboard.ref_number nulls last, linked_metric
        ) as linked_metrics
    from actions, unnest(actions.metric_ids) as linked (linked_metric)
    left join dashboard
        on dashboard.metric_id = linked.linked_metric
        and dashboard.reporting_quarter = actions.reporting_quarter
    group by all

)

select
    actions.board_date,
    actions.reporting_quarter,
    actions.board_date = max(actions.board_date) over () as is_latest_board,
    actions.reference,
    actions.delivery_strategy,
    actions.task_name,
    actions.lead_key,
    actions.kind,
    actions.start_date,
    actions.due_date,
    actions.status,
    actions.completion_date,
    actions.update_date,
    actions.update_text,
    actions.updated_for_board,
    actions.is_new_action,
    actions.added_by_board,
    actions.change_agreed_by_board,
    actions.change,
    actions.change_history,
    actions.metric_ids,
    linked.linked_metrics,
    actions.is_completed,
    actions.completed_in_quarter,
    actions.completed_ahead_in_quarter,
    actions.is_overdue,
    actions.is_due_next_quarter
from actions
left join linked
    on linked.board_date = actions.board_date and linked.reference = actions.reference
