"""What the app does with Segmind and the history, without Qt: one client per worker
thread (``ClientProvider``), the rate limiter and retry policy, a reply as a
coroutine (``stream_reply``), the credits fetch, history search jobs, and the
app's executors (every background thread).
May import: every other ``core`` package; no Qt, ``ui`` or ``app``.
"""
