"""Cleaning: HTML in, a validated Article (or a typed rejection) out.

Pure functions over bytes and records: no network, no clock, no store, no Airflow. State that must
persist between runs (learned boilerplate) is explicit input and output.
"""

CLEANER_VERSION = "0.4.0"  # 0.4: learned template positions and teaser cards; fact boxes and lists split as printed;
# the date printed with the headline checks the structured dates
