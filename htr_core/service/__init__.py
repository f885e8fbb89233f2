"""The REST service and what keeps it up under load."""
