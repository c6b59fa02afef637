"""A chat's settings and the presets library: the side panel (system prompt,
parameters, extra fields, example turns), the presets kept as files and watched while
the app runs, the library window. May import: ``ui.widgets``, ``ui.workers``,
``ui.theme``, ``core``; no other feature package (the shell wires them).
"""
