"""Crime Survey for England and Wales force-area estimates."""
