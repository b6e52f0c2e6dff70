"""Email templates, one folder per language (package data; a store's templates/ overrides any file).

Each folder holds a `.txt` and a `.html` template of every kind (services/templates.py's KINDS):
`confirmation` (a booking made, `session book --notify`), `reminder` (`remind run`), `cancellation`,
`rescheduled` and `refund`, and `phrases.toml`. A .txt template starts with a `Subject:` line and a
blank line. Placeholders are `string.Template` ones: $name $business $service $date $time $booking,
in `refund` $refunded $fee_sentence, and in `rescheduled` $old_date $old_time (the time it had
before). A confirmation, a reminder and a cancellation carry the booking's iCalendar invitation
beside the text (output/invitation.py): their words may say so, the templates do not hold it.
Keep a Hebrew subject short: CPython folds a long non-ASCII subject so that readers lose a space.
"""
