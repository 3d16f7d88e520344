"""Deadlines and alerts: who was due when, what is missing or wrong, and the email digest."""
