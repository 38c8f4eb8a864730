"""Messaging: SES sending for the domain, with bounce and complaint feedback."""
