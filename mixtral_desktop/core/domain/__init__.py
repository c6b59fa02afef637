"""The app's vocabulary in plain data: a message and its role and state, a
conversation's title rules, the request sent to Mixtral (messages and parameters).
May import: the standard library only; it is the bottom layer, every other package
may import it (import-linter's layers contract).
"""
