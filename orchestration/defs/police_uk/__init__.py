"""police.uk street-level crime and outcomes: format, raw assets and their suites."""
