"""Scheduling: timers derived from the database, never the other way round."""
