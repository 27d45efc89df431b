with

rejected_rows as (

    select
        load_id,
        kind,
        instance_id,
        file_name,
        raw_line,
        reason,
        line_number,
        file_date
    from {{ source('icommkt', 'rejected_rows') }}

),

final as (

    select
        -- ids
        {{ surrogate_key(['load_id', 'line_number']) }} as rejected_row_key,
        load_id,
        kind as file_kind,
        instance_id,

        -- strings
        file_name,
        raw_line,
        reason as reject_reason,

        -- numerics
        line_number,

        -- dates
        file_date
    from rejected_rows

)

select * from final
