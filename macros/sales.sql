{#-
    The buyer of an order in the sales marts: the profile customer when the order's UserId
    resolves to one (SPEC §3.1), else the orphan UserId itself, so orphan orders still count
    as buyers, one per UserId, and never collide with a customer.

        {{ sales_buyer_key('customer_key', 'instance_id', 'user_id') }}
    renders
        coalesce(customer_key, <surrogate_key of instance_id, 'orphan_user_id', user_id>)

    The customer key hashes two parts (instance, email); the orphan key hashes three, with a
    fixed middle part, so the two kinds of key stay apart.
-#}
{% macro sales_buyer_key(customer_key, instance_id, user_id) -%}
    coalesce(
        {{ customer_key }},
        {{ surrogate_key([instance_id, "'orphan_user_id'", user_id]) }}
    )
{%- endmacro %}
