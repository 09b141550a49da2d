"""Home Office police recorded crime by Community Safety Partnership."""
