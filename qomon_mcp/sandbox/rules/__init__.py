"""Qomon's rules for writes, each with its source: contacts, answers, bundles, invitations, upsert, validation."""
