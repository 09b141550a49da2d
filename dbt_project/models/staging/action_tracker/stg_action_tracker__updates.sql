-- Every action tracker update as loaded (intake has checked leads, statuses and dates); the
-- file for a board replaces an earlier one of the same name, so each row is current.
with

source as (

    select * from {{ source('raw_action_tracker', 'action_tracker') }}

),

renamed as (

    select
        board_date,
        reference,
        delivery_strategy,
        task_name,
        lead_key,
        kind,
        start_date,
        due_date,
        status,
        completion_date,
        update_date,
        update_text,
        metric_ids,
        added_by_board,
        change_agreed_by_board,
        change,
        milestone,
        milestone_due,
        milestone_reached,
        source_file,
        source_sha256,
        source_line,
        loaded_at
    from source

)

select * from renamed
