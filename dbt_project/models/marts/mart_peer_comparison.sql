-- The home force against its peer forces on funnel plots: int_funnel_assessment's peer_forces
-- rows, with the metric's name and polarity for readers and the pack.
{{ funnel_comparison_rows("funnel.comparison = 'peer_forces'") }}
