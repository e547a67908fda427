"""Intake: a Report from any channel is classified, located, folded into the case it repeats, and stored with its outbox rows in one commit."""
