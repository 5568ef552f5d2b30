"""Cleaning: HTML in, a validated Article (or a typed rejection) out.

Pure functions over bytes and records: no network, no clock, no store, no Airflow. State that must
persist between runs (learned boilerplate) is explicit input and output.
"""

CLEANER_VERSION = "0.2.0"  # 0.2: metadata from every source, two extraction runs, learned templates
