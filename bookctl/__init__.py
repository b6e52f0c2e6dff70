"""bookctl: run an appointment and class business's calendar, clients and payments from a shell."""

__version__ = "0.1.0"
