"""Where bookctl keeps its data. Services reach it only through a unit of work (`base.py`)."""
