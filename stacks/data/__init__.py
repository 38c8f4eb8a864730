"""Data: the user-context table and the API secrets container."""
