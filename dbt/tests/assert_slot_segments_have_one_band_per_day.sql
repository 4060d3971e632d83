{#-
    Every load-curve slot segment (macro load_curve_slot_segment) has a single band on every
    day, DST days included: the segment sums of int_load_curve_days_summed are then exact band
    sums. A change of the band rules or of the clock that breaks it fails here.
-#}
select
    local_date,
    {{ load_curve_slot_segment('slot') }} as slot_segment,
    count(distinct band) as bands
from {{ ref('dim_quarter_hour') }}
group by local_date, {{ load_curve_slot_segment('slot') }}
having count(distinct band) > 1
