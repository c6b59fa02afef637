"""Small widgets shared by the feature packages (an undo bar...). Below the features;
may import ``ui.theme`` and ``core.domain`` only."""
