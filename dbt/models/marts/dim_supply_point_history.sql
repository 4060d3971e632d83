{#-
    The dated history of every supply point (CM6): one row per day something changed, with the
    state from that day: who (customer, billing account), under which contract version and
    offer, with which meter, and its technical data. Changes come from the registry's
    versions (technical data), the contract versions (customer, account, offer; the end of
    supply), and the meter serials the readings show (a replacement day is when a new serial
    first reads). A day that changes nothing is no row.
-#}
with

versions as (

    select * from {{ ref('int_supply_points_versioned') }}

),

contract_versions as (

    select * from {{ ref('fct_contract_versions') }}

),

meter_readings as (

    select supply_point_id, meter_serial, min(reading_date) as first_reading_date
    from {{ ref('int_register_readings_unpivoted') }}
    group by supply_point_id, meter_serial

),

change_days as (

    select supply_point_id, valid_from as change_date, 'registry' as change_kind
    from versions
    union
    select supply_point_id, start_date as change_date, 'contract' as change_kind
    from contract_versions
    union
    -- the day after a supply ends, unless another version starts then
    select supply_point_id,
        cast({{ dbt.dateadd('day', 1, 'version_end_date') }} as date) as change_date,
        'contract' as change_kind
    from contract_versions
    where version_end_date is not null
    union
    select supply_point_id, first_reading_date as change_date, 'meter' as change_kind
    from meter_readings

),

days as (

    select
        supply_point_id,
        change_date,
        {{ dbt.listagg('change_kind', "', '", 'order by change_kind') }} as change_kinds
    from change_days
    group by supply_point_id, change_date

),

meters_in_place as (

    -- the serial that most recently started reading on or before each change day
    select
        days.supply_point_id,
        days.change_date,
        meter_readings.meter_serial,
        row_number() over (
            partition by days.supply_point_id, days.change_date
            order by meter_readings.first_reading_date desc, meter_readings.meter_serial desc
        ) as meter_rank
    from days
    inner join meter_readings
        on days.supply_point_id = meter_readings.supply_point_id
        and meter_readings.first_reading_date <= days.change_date

),

states as (

    select
        days.supply_point_id,
        days.change_date as valid_from,
        days.change_kinds,
        registry.company_id,
        registry.commodity,
        contract.customer_id,
        coalesce(contract.billing_account_id, registry.billing_account_id) as billing_account_id,
        contract.contract_id,
        contract.contract_version,
        contract.offer_id,
        coalesce(meters_in_place.meter_serial, registry.meter_serial) as meter_serial,
        registry.meter_type,
        registry.meter_digits,
        registry.dso_code,
        registry.address,
        registry.postcode,
        registry.city,
        registry.province,
        registry.use,
        registry.voltage,
        registry.power_kw,
        registry.gas_meter_class,
        registry.annual_consumption,
        registry.altitude_m,
        registry.climate_zone
    from days
    left join versions as registry
        on days.supply_point_id = registry.supply_point_id
        and days.change_date >= registry.valid_from
        and days.change_date <= coalesce(registry.valid_to, cast('9999-12-31' as date))
    left join contract_versions as contract
        on days.supply_point_id = contract.supply_point_id
        and days.change_date >= contract.start_date
        and days.change_date <= coalesce(contract.version_end_date, cast('9999-12-31' as date))
        and (contract.version_end_date is null or contract.version_end_date >= contract.start_date)
    left join meters_in_place
        on days.supply_point_id = meters_in_place.supply_point_id
        and days.change_date = meters_in_place.change_date
        and meters_in_place.meter_rank = 1

),

fingerprinted as (

    select
        states.*,
        {{ dbt.concat([
            "coalesce(customer_id, '')", "'|'", "coalesce(billing_account_id, '')", "'|'",
            "coalesce(contract_id, '')", "'|'",
            "coalesce(cast(contract_version as varchar), '')", "'|'",
            "coalesce(offer_id, '')", "'|'", "coalesce(meter_serial, '')", "'|'",
            "coalesce(meter_type, '')", "'|'", "coalesce(cast(meter_digits as varchar), '')",
            "'|'", "coalesce(dso_code, '')", "'|'", "coalesce(address, '')", "'|'",
            "coalesce(use, '')", "'|'", "coalesce(voltage, '')", "'|'",
            "coalesce(cast(power_kw as varchar), '')", "'|'", "coalesce(gas_meter_class, '')",
            "'|'", "coalesce(cast(annual_consumption as varchar), '')", "'|'",
            "coalesce(cast(altitude_m as varchar), '')", "'|'", "coalesce(climate_zone, '')"
        ]) }} as state_fingerprint
    from states

),

changes as (

    select
        fingerprinted.*,
        lag(state_fingerprint) over (
            partition by supply_point_id order by valid_from
        ) as previous_fingerprint
    from fingerprinted

),

kept as (

    select * from changes
    where previous_fingerprint is null or previous_fingerprint <> state_fingerprint

)

select
    supply_point_id,
    valid_from,
    cast(
        {{ dbt.dateadd(
            'day', -1,
            'lead(valid_from) over (partition by supply_point_id order by valid_from)'
        ) }} as date
    ) as valid_to,
    change_kinds,
    contract_id is not null as is_supplied,
    company_id,
    commodity,
    customer_id,
    billing_account_id,
    contract_id,
    contract_version,
    offer_id,
    meter_serial,
    meter_type,
    meter_digits,
    dso_code,
    address,
    postcode,
    city,
    province,
    use,
    voltage,
    power_kw,
    gas_meter_class,
    annual_consumption,
    altitude_m,
    climate_zone
from kept
