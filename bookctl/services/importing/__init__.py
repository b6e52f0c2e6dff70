"""`import`: contacts and bookings from the files other tools and bookctl itself write.

A reader turns a file into drafts (`Draft`: one record's raw text by field, with the line it starts
on); `contacts.import_contacts` and `bookings.import_bookings` check every draft as the commands that
make such records check what is typed, match it against what the store holds, and make or change
records in the caller's one unit of work. Nothing here commits or prints: the command does.
"""
