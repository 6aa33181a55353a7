"""The tenant's store: one database, and one store per resource it holds."""
