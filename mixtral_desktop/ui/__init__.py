"""Qt widgets, models and dialogs."""
