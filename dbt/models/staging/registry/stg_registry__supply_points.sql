with

source as (

    select * from {{ source('registry', 'supply_points') }}

),

renamed as (

    select
        -- ids: one row per version of a supply point's technical data
        supply_point_id,
        cast(valid_from as date) as valid_from,
        company_id,
        billing_account_id,

        -- what and where
        commodity,
        dso_code,
        address,
        postcode,
        city,
        province,
        use,

        -- technical data
        voltage,
        cast(power_kw as decimal(12, 3)) as power_kw,
        meter_type,
        meter_serial,
        cast(meter_digits as integer) as meter_digits,
        gas_meter_class,
        cast(annual_consumption as decimal(18, 6)) as annual_consumption,
        cast(altitude_m as integer) as altitude_m,
        climate_zone,

        -- lineage
        _file as source_file,
        cast(_line as integer) as source_line,
        _loaded_at as loaded_at

    from source

)

select * from renamed
