"""Each suite runs its drivers and turns their reports into figures."""
