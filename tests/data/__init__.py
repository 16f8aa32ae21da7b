"""Data files the tests read; everything here is part of the repository."""

from pathlib import Path

SAMPLE_DIR = Path(__file__).resolve().parent / "sample"
