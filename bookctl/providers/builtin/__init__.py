"""The providers bookctl ships, registered through the same hook as external plugins."""
