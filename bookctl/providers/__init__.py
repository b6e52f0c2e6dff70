"""Payment providers, loaded as pluggy plugins (built-in ones exactly like external ones)."""
