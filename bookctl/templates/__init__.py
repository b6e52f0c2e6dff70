"""Email templates, one folder per language (package data; a store's templates/ overrides any file).

Each folder holds a `.txt` and a `.html` template of every kind (services/templates.py's KINDS):
`confirmation` (a booking made, `session book --notify`), `reminder` (`remind run`), `cancellation`,
`rescheduled` and `refund`, and `phrases.toml`. A .txt template starts with a `Subject:` line and a
blank line. Placeholders are `string.Template` ones: $name $business $service $date $time $booking,
in `refund` $refunded $fee_sentence, and in `rescheduled` $old_date $old_time (the time it had
before). A confirmation, a reminder and a cancellation carry the booking's iCalendar invitation
beside the text (output/invitation.py): their words may say so, the templates do not hold it.
$date and the other dates read as the folder's language writes them, weekday first ("martedì 24
novembre 2026", "вторник, 24 ноября 2026 г.", domain/dates.py), so a template's words must fit
before a full date: Hebrew prefixes it ("ב$date" reads "ביום שלישי, ..."), Italian says "di $date",
Russian keeps the nominative date in parentheses. A folder of another language gets ISO dates.
"""
