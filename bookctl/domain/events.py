"""The events a store tells its hooks and webhooks of (bookctl #20; services/events.py derives them)."""

EVENTS = ("booking-created", "booking-cancelled", "booking-rescheduled", "attendance-changed", "payment",
          "refund", "contact-created", "waitlist-promoted")
