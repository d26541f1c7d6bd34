"""What Qomon's Public API is, as data: endpoints, search attributes, date math, vocabularies.

Both sides of every test read these tables: the client builds its requests from
them and the sandbox its routes and rules. A mistake here would pass everywhere
at once, so `tests/spec/` pins each table against rows written out literally
from Qomon's public docs. This package imports nothing else of the project.
"""
