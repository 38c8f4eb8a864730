"""A local AWS API emulator for tests and `make sandbox`: moto server plus the shims for what moto lacks."""
