"""HTTP plumbing under the Segmind client: a ``requests`` transport adapter whose
reads can be cancelled from another thread (``CancelToken``), and the chunked body
reader. Knows nothing of Segmind.
May import: ``requests``/``urllib3``, the standard library and ``core.domain``.
"""
