"""The OAuth side of the remote connector: an authorization server with no database.

`keys` seals and opens tokens (JWE), `tokens` says what they carry, `clients`
and `documents` know the OAuth clients (sealed registrations, metadata
documents), `provider` implements the SDK's provider, `connect` and `page` are
the page where a user pastes a Qomon API key, `routes` puts them together.
"""
