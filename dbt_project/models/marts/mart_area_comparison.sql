-- Areas against their groups on funnel plots (all CSPs, CSP families, and NPAs when delivered):
-- int_funnel_assessment's rows of every comparison but peer_forces, with the metric's name and
-- polarity for readers and the pack.
{{ funnel_comparison_rows("funnel.comparison <> 'peer_forces'") }}
