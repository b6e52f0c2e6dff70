"""Email templates, one folder per language (package data; a store's templates/ overrides any file).

Each folder holds `cancellation.txt`, `cancellation.html`, `rescheduled.txt`, `rescheduled.html`,
`refund.txt`, `refund.html` and `phrases.toml`. A .txt template starts with a `Subject:` line and a
blank line. Placeholders are `string.Template` ones: $name $business $service $date $time $booking
$refunded $fee_sentence, and in `rescheduled` $old_date $old_time (the time it had before).
"""
