with

load_manifest as (

    select
        load_id,
        kind,
        instance_id,
        file_name,
        source_uri,
        sha256,
        encoding,
        status,
        message,
        size_bytes,
        rows_read,
        rows_loaded,
        rows_rejected,
        file_date,
        started_at,
        finished_at
    from {{ source('icommkt', 'load_manifest') }}

),

final as (

    select
        -- ids
        load_id,
        kind as file_kind,
        instance_id,

        -- strings
        file_name,
        source_uri,
        sha256,
        encoding,
        status as load_status,
        message as load_message,

        -- numerics
        size_bytes,
        rows_read,
        rows_loaded,
        rows_rejected,

        -- booleans
        status in ('loaded', 'replaced') as is_loaded,

        -- dates
        file_date,
        started_at as load_started_at,
        finished_at as load_finished_at
    from load_manifest

)

select * from final
