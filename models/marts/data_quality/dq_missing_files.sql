with

stg_icommkt__load_manifest as (

    select
        load_id,
        file_kind,
        instance_id,
        load_status,
        load_message,
        is_loaded,
        file_date,
        load_started_at
    from {{ ref('stg_icommkt__load_manifest') }}

),

file_kinds as (

    select file_kind
    from {{ ref('file_kinds') }}

),

-- files whose rows are in the raw layer: one row per file identity
delivered_files as (

    select distinct
        file_kind,
        instance_id,
        file_date
    from stg_icommkt__load_manifest
    where is_loaded

),

instance_date_ranges as (

    select
        instance_id,
        min(file_date) as first_file_date,
        max(file_date) as last_file_date
    from delivered_files
    group by instance_id

),

instance_days as (

    select
        instance_id,
        {{ date_spine('first_file_date', 'last_file_date') }} as file_date
    from instance_date_ranges

),

expected_files as (

    select
        instance_days.instance_id,
        file_kinds.file_kind,
        instance_days.file_date
    from instance_days
    cross join file_kinds

),

missing_files as (

    select
        expected_files.instance_id,
        expected_files.file_kind,
        expected_files.file_date
    from expected_files
    left join delivered_files
        on
            expected_files.instance_id = delivered_files.instance_id
            and expected_files.file_kind = delivered_files.file_kind
            and expected_files.file_date = delivered_files.file_date
    where delivered_files.file_kind is null

),

-- attempts that did not land (rejected or failed), latest first
failed_attempts as (

    select
        file_kind,
        instance_id,
        load_status,
        load_message,
        file_date,
        row_number() over (
            partition by file_kind, instance_id, file_date
            order by load_started_at desc, load_id desc
        ) as attempt_rank
    from stg_icommkt__load_manifest
    where not is_loaded

),

last_failed_attempts as (

    select
        file_kind,
        instance_id,
        load_status as last_attempt_status,
        load_message as last_attempt_message,
        file_date
    from failed_attempts
    where attempt_rank = 1

),

final as (

    select
        -- ids
        {{ surrogate_key([
            'missing_files.instance_id',
            'missing_files.file_date',
            'missing_files.file_kind',
        ]) }} as missing_file_key,
        missing_files.instance_id,
        missing_files.file_kind,

        -- strings
        last_failed_attempts.last_attempt_status,
        last_failed_attempts.last_attempt_message,

        -- numerics
        count(*) over (
            partition by missing_files.instance_id, missing_files.file_date
        ) as missing_kinds_on_file_date,

        -- dates
        missing_files.file_date
    from missing_files
    left join last_failed_attempts
        on
            missing_files.instance_id = last_failed_attempts.instance_id
            and missing_files.file_kind = last_failed_attempts.file_kind
            and missing_files.file_date = last_failed_attempts.file_date

)

select * from final
