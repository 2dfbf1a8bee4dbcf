"""Score many pages (files, WARC, JSONL): one output line per input record, whatever happens.

Nothing heavy is imported here: `quality batch` loads the scorer only inside its worker processes.
"""
