"""Qomon's search language over a space (POST /search and /kpi): `engine` evaluates, the rest reads conditions."""
