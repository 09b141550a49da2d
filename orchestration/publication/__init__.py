"""Publishing the marts to analysts and freezing what each delivery board was shown."""
