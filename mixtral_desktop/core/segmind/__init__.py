"""Segmind's API as the app uses it: the client (chat, streamed chat, credits), its
environment configuration, response headers, the reply parser, SSE events, the
stream's state, and one error class per failure the user can be told about.
May import: ``core.net``, ``core.domain``, ``requests`` and the standard library.
"""
