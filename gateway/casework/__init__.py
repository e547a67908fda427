"""Casework: what happens to a case after intake (class decisions, merges, statuses from platforms), the reporters told, deadlines and field tasks."""
