{#-
    One row per customer or hierarchy node (group, region, cost centre), with its parent and
    the top of its hierarchy: invoices of a group are sent together, reports roll up to it.
-#}
with recursive

customers as (

    select
        *,
        -- persons have a first name; companies and nodes only a name
        case
            when first_name is null then last_name_or_company
            else first_name || ' ' || last_name_or_company
        end as customer_name
    from {{ ref('stg_registry__customers') }}

),

hierarchy (customer_id, root_customer_id, hierarchy_depth) as (

    -- the tops: no parent, or a parent the registry does not know (reported by a staging test)
    select
        customers.customer_id,
        customers.customer_id,
        0
    from customers
    where customers.parent_customer_id is null
        or customers.parent_customer_id not in (select customer_id from customers)

    union all

    -- a node that sits in a parent cycle never meets a top, so the recursion always ends
    -- (its root stays NULL)
    select
        children.customer_id,
        hierarchy.root_customer_id,
        hierarchy.hierarchy_depth + 1
    from customers as children
    inner join hierarchy
        on children.parent_customer_id = hierarchy.customer_id

),

final as (

    select
        customers.customer_id,
        customers.company_id,
        customers.customer_name,
        customers.customer_kind,
        customers.first_name,
        customers.last_name_or_company,
        customers.tax_code,
        customers.vat_number,
        customers.segment,
        customers.customer_status,
        customers.email,
        customers.phone,
        customers.language,
        customers.privacy_consent_date,
        customers.marketing_consent_date,

        -- hierarchy
        customers.parent_customer_id,
        parents.customer_name as parent_customer_name,
        parents.customer_kind as parent_customer_kind,
        hierarchy.root_customer_id,
        roots.customer_name as root_customer_name,
        hierarchy.hierarchy_depth

    from customers
    left join customers as parents
        on customers.parent_customer_id = parents.customer_id
    left join hierarchy
        on customers.customer_id = hierarchy.customer_id
    left join customers as roots
        on hierarchy.root_customer_id = roots.customer_id

)

select * from final
