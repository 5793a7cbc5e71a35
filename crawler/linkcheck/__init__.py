"""The link checker's parts: page facts, verdicts, Retry-After, progress (issue 5).

The spider is ``crawler/spiders/linkcheck.py``; states over time live in ``storage.linkstate``.
"""
