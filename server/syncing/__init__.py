"""The sync engine's home in the server: its SQL store, its HTTP routes and the registry of
collection handlers that the domains contribute."""
