"""The one generic spider; sites differ by config, not by class."""
