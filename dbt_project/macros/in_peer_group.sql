{#
    Whether the force in `force_column` is in the home force's comparison group on the date in
    `date_column`: the home force itself, or a peer of seeds/peer_forces.csv in effect then
    (effective_from on or before, effective_to after or open). The one place the rule lives:
    mart_csew_peers and int_comparison_inputs__peer_forces call it.
#}
{% macro in_peer_group(force_column, date_column) %}
    {{ force_column }} = '{{ var("home_force") }}'
        or exists (
            select 1 from {{ ref('peer_forces') }} as peers
            where peers.force_slug = '{{ var("home_force") }}'
                and peers.peer_force_slug = {{ force_column }}
                and peers.effective_from <= {{ date_column }}
                and (peers.effective_to is null or peers.effective_to > {{ date_column }})
        )
{% endmacro %}
