"""Feature package: the composer, where the user writes a message, picks its role
(user, assistant, system) and sends it (Ctrl+Enter / Enter) or stops a reply.
May import: ``ui.theme``, ``ui.workers``, ``core.domain``; never another feature
package (``conversation``, ``history``…): the shell wires it with signals.
"""
