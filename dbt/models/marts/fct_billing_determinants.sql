{#-
    The quantities every bill is computed from (docs/contracts.md §2), one row per determinant:
    interval meters from their load curves (int_interval_determinants_summed), register meters
    from their readings and estimates (int_register_determinants_apportioned). Register rows
    are cut where a contract version starts or ends (the quantity apportioned pro rata to days,
    or to the seasonal profile for gas), so that every row lies under one contract version and
    billing account; gas m3 become Smc with the point's coefficient C in force on the row's last
    day (dim_gas_conversion_coefficient).
-#}
with

interval_determinants as (

    select * from {{ ref('int_interval_determinants_summed') }}

),

register_determinants as (

    select * from {{ ref('int_register_determinants_apportioned') }}

),

contract_versions as (

    select * from {{ ref('fct_contract_versions') }}

),

supply_points as (

    select * from {{ ref('dim_supply_point') }}

),

coefficients as (

    select * from {{ ref('dim_gas_conversion_coefficient') }}

),

calendar as (

    select * from {{ ref('dim_date') }}

),

pieces as (

    -- a register row's days under each contract version
    select
        register_determinants.*,
        contract_versions.company_id,
        contract_versions.billing_account_id,
        contract_versions.offer_id,
        contract_versions.end_date as contract_end_date,
        case
            when contract_versions.start_date > register_determinants.period_start
                then contract_versions.start_date
            else register_determinants.period_start
        end as piece_start,
        case
            when contract_versions.version_end_date < register_determinants.period_end
                then contract_versions.version_end_date
            else register_determinants.period_end
        end as piece_end
    from register_determinants
    inner join contract_versions
        on register_determinants.supply_point_id = contract_versions.supply_point_id
        and contract_versions.start_date <= register_determinants.period_end
        and coalesce(contract_versions.version_end_date, cast('9999-12-31' as date))
            >= register_determinants.period_start
    where contract_versions.version_end_date is null
        or contract_versions.version_end_date >= contract_versions.start_date

),

weighted_pieces as (

    select
        pieces.*,
        {{ span_weight('pieces.commodity', 'piece_first', 'piece_last') }} as piece_weight
    from pieces
    inner join calendar as piece_first
        on pieces.piece_start = piece_first.calendar_date
    inner join calendar as piece_last
        on pieces.piece_end = piece_last.calendar_date

),

cumulated_pieces as (

    select
        weighted_pieces.*,
        sum(piece_weight) over (
            partition by supply_point_id, billing_month, period_start, band, is_true_up
            order by piece_start
            rows unbounded preceding
        ) as weight_through,
        sum(piece_weight) over (
            partition by supply_point_id, billing_month, period_start, band, is_true_up
        ) as row_weight
    from weighted_pieces

),

split_register_determinants as (

    -- cumulative shares, so that the pieces of a row add up to it exactly
    select
        supply_point_id,
        company_id,
        billing_account_id,
        commodity,
        billing_month,
        piece_start as period_start,
        piece_end as period_end,
        offer_id,
        contract_end_date,
        band,
        {{ apportion('quantity', 'weight_through', 'row_weight') }}
            - {{ apportion('quantity', 'weight_through - piece_weight', 'row_weight') }}
            as quantity,
        provenance,
        is_true_up
    from cumulated_pieces

    union all

    -- a row under no contract version at all stays whole, with the point's billing account
    select
        register_determinants.supply_point_id,
        supply_points.company_id,
        supply_points.billing_account_id,
        register_determinants.commodity,
        register_determinants.billing_month,
        register_determinants.period_start,
        register_determinants.period_end,
        cast(null as varchar) as offer_id,
        cast(null as date) as contract_end_date,
        register_determinants.band,
        register_determinants.quantity,
        register_determinants.provenance,
        register_determinants.is_true_up
    from register_determinants
    inner join supply_points
        on register_determinants.supply_point_id = supply_points.supply_point_id
    where not exists (
        select 1
        from pieces
        where pieces.supply_point_id = register_determinants.supply_point_id
            and pieces.billing_month = register_determinants.billing_month
            and pieces.period_start = register_determinants.period_start
            and pieces.band = register_determinants.band
            and pieces.is_true_up = register_determinants.is_true_up
    )

),

converted_register_determinants as (

    select
        split_register_determinants.supply_point_id,
        split_register_determinants.company_id,
        split_register_determinants.billing_account_id,
        split_register_determinants.commodity,
        split_register_determinants.billing_month,
        split_register_determinants.period_start,
        split_register_determinants.period_end,
        split_register_determinants.offer_id,
        split_register_determinants.contract_end_date,
        split_register_determinants.band,
        case
            when split_register_determinants.commodity = 'GAS'
                then round(
                    split_register_determinants.quantity * coefficients.conversion_coefficient, 6
                )
            else split_register_determinants.quantity
        end as quantity,
        case split_register_determinants.commodity when 'GAS' then 'Smc' else 'kWh' end as unit,
        case
            when split_register_determinants.commodity = 'GAS'
                then split_register_determinants.quantity
        end as quantity_m3,
        coefficients.conversion_coefficient,
        split_register_determinants.provenance,
        split_register_determinants.is_true_up,
        cast(null as decimal(12, 3)) as peak_kw,
        cast(null as integer) as interval_count,
        cast(null as integer) as expected_interval_count,
        cast(null as decimal(5, 4)) as completeness,
        cast(null as decimal(18, 6)) as measured_quantity
    from split_register_determinants
    left join coefficients
        on split_register_determinants.commodity = 'GAS'
        and split_register_determinants.supply_point_id = coefficients.supply_point_id
        and split_register_determinants.period_end >= coefficients.valid_from
        and split_register_determinants.period_end
            <= coalesce(coefficients.valid_to, cast('9999-12-31' as date))

),

unioned as (

    select
        supply_point_id,
        company_id,
        billing_account_id,
        'ELE' as commodity,
        billing_month,
        period_start,
        period_end,
        offer_id,
        contract_end_date,
        band,
        quantity,
        'kWh' as unit,
        cast(null as decimal(18, 6)) as quantity_m3,
        cast(null as decimal(12, 6)) as conversion_coefficient,
        -- quarter hours the curve lacks are estimated (int_interval_determinants_summed)
        provenance,
        false as is_true_up,
        peak_kw,
        interval_count,
        expected_interval_count,
        completeness,
        measured_quantity
    from interval_determinants

    union all

    select * from converted_register_determinants

)

select
    supply_point_id
        || '|' || cast(billing_month as varchar)
        || '|' || cast(period_start as varchar)
        || '|' || band
        || '|' || case when is_true_up then 'true_up' else 'regular' end as determinant_id,
    company_id,
    billing_account_id,
    supply_point_id,
    commodity,
    billing_month,
    period_start,
    period_end,
    offer_id,
    contract_end_date,
    band,
    cast(quantity as decimal(18, 6)) as quantity,
    unit,
    cast(quantity_m3 as decimal(18, 6)) as quantity_m3,
    cast(conversion_coefficient as decimal(12, 6)) as conversion_coefficient,
    provenance,
    is_true_up,
    cast(peak_kw as decimal(12, 3)) as peak_kw,
    cast(interval_count as integer) as interval_count,
    cast(expected_interval_count as integer) as expected_interval_count,
    cast(completeness as decimal(5, 4)) as completeness,
    cast(measured_quantity as decimal(18, 6)) as measured_quantity
from unioned
