"""Monitoring: the alert topic, alarms, dashboard and monthly budget of an environment; deployed last."""
