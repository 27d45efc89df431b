with

stg_icommkt__rejected_rows as (

    select
        rejected_row_key,
        load_id,
        file_kind,
        instance_id,
        file_name,
        raw_line,
        reject_reason,
        line_number,
        file_date
    from {{ ref('stg_icommkt__rejected_rows') }}

),

stg_icommkt__load_manifest as (

    select
        load_id,
        file_kind,
        instance_id,
        source_uri,
        load_status,
        file_date,
        load_started_at
    from {{ ref('stg_icommkt__load_manifest') }}

),

final as (

    select
        -- ids
        stg_icommkt__rejected_rows.rejected_row_key,
        stg_icommkt__rejected_rows.load_id,
        stg_icommkt__rejected_rows.file_kind,
        stg_icommkt__rejected_rows.instance_id,

        -- strings
        stg_icommkt__rejected_rows.file_name,
        stg_icommkt__load_manifest.source_uri,
        stg_icommkt__load_manifest.load_status,
        stg_icommkt__rejected_rows.raw_line,
        stg_icommkt__rejected_rows.reject_reason,

        -- numerics
        stg_icommkt__rejected_rows.line_number,

        -- dates
        stg_icommkt__rejected_rows.file_date,
        stg_icommkt__load_manifest.load_started_at
    from stg_icommkt__rejected_rows
    left join stg_icommkt__load_manifest
        on stg_icommkt__rejected_rows.load_id = stg_icommkt__load_manifest.load_id

)

select * from final
