"""WARC files: building records, writing and rotating files, reading records back."""
