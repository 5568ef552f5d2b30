"""Cleaning: HTML in, a validated Article (or a typed rejection) out.

Pure functions over bytes and records: no network, no clock, no store, no Airflow. State that must
persist between runs (learned boilerplate) is explicit input and output.
"""

CLEANER_VERSION = "0.6.0"  # 0.6: lists and subheadings the strict run skipped between two paragraphs put back;
# 0.5: subheadings and bare sentences kept, boxes the markup names as chrome dropped;
# labelled dates, no locale guessing, the byline read near the headline
