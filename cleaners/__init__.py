"""newsclean's cleaning library: readers, extraction, boilerplate rules, language, dedup, Parquet.

Pure functions and small classes only; nothing here imports Prefect (orchestration is `flows/`).
"""

from cleaners.article import PIPELINE_VERSION

__version__ = PIPELINE_VERSION
