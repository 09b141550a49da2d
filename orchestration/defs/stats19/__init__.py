"""DfT STATS19 road casualties: format, raw assets and their suites."""
