{#- Every version of the seasonal gas profile has twelve months whose shares add up to 1. -#}
select
    valid_from,
    count(*) as months,
    sum(share) as total_share
from {{ ref('ref_gas_seasonal_profile') }}
group by valid_from
having count(*) <> 12 or sum(share) <> 1
