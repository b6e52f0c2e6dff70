"""One module per capability: plain functions taking a unit of work and plain values."""
