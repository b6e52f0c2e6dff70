"""The PostgreSQL schema, as numbered migrations. `bookctl store upgrade` applies the missing ones.

A migration is never edited once released: a change to the schema is a new one at the end. The
database records its version in `bookctl_schema`; a version above `LATEST` is from a newer bookctl.
Money is bigint minor units beside a char(3) currency; times are timestamptz; lists and maps that
are only ever read whole are `json` (not `jsonb`, which would reorder the keys people typed); what a
query looks into is a column of its own beside them (`email_key`, `label_keys`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_V1 = """
CREATE TABLE bookctl_schema (
    version integer NOT NULL
);

CREATE TABLE counters (
    name text PRIMARY KEY,
    value bigint NOT NULL CHECK (value >= 0)
);

-- The next sequence number of the ids minted on each UTC day (s-, b- and p-YYYYMMDD-N).
CREATE TABLE days (
    day date PRIMARY KEY,
    next_seq integer NOT NULL CHECK (next_seq >= 1)
);

CREATE TABLE contacts (
    id text PRIMARY KEY CHECK (id ~ '^c-[1-9][0-9]{0,8}$'),
    first_name text NOT NULL,
    last_name text,
    email text,
    email_key text,
    phone text,
    address text,
    emails json NOT NULL,
    phones json NOT NULL,
    addresses json NOT NULL,
    company text,
    "position" text,
    language text,
    tax_id text,
    birthday date,
    custom_fields json NOT NULL,
    labels json NOT NULL,
    created_at timestamptz NOT NULL,
    saved_card json,
    erased_at timestamptz
);
CREATE INDEX contacts_email_key ON contacts (email_key);

CREATE TABLE sessions (
    id text PRIMARY KEY CHECK (id ~ '^s-[0-9]{8}-[1-9][0-9]*$'),
    service_id text NOT NULL,
    staff_id text,
    start_at timestamptz NOT NULL,
    end_at timestamptz NOT NULL,
    capacity integer NOT NULL CHECK (capacity BETWEEN 1 AND 10000),
    status text NOT NULL CHECK (status IN ('scheduled', 'cancelled')),
    created_at timestamptz NOT NULL
);
CREATE INDEX sessions_start ON sessions (start_at);

CREATE TABLE bookings (
    id text PRIMARY KEY CHECK (id ~ '^b-[0-9]{8}-[1-9][0-9]*$'),
    seq bigserial NOT NULL UNIQUE,
    session_id text NOT NULL REFERENCES sessions (id),
    contact_id text NOT NULL REFERENCES contacts (id),
    status text NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
    attendance text NOT NULL CHECK (attendance IN ('booked', 'checked_in', 'no_show')),
    price_minor bigint NOT NULL CHECK (price_minor >= 0),
    price_currency char(3) NOT NULL,
    form_responses json NOT NULL,
    created_at timestamptz NOT NULL,
    cancelled_at timestamptz
);
CREATE INDEX bookings_session ON bookings (session_id);
CREATE INDEX bookings_contact ON bookings (contact_id, created_at, seq);

CREATE TABLE invoices (
    id text PRIMARY KEY CHECK (id ~ '^INV-[0-9]{4,}$'),
    number integer NOT NULL UNIQUE CHECK (number >= 1),
    contact_id text NOT NULL REFERENCES contacts (id),
    booking_id text REFERENCES bookings (id),
    items json NOT NULL,
    total_minor bigint NOT NULL CHECK (total_minor >= 0),
    total_currency char(3) NOT NULL,
    status text NOT NULL CHECK (status IN ('open', 'paid', 'void')),
    due date,
    quote_id text,
    created_at timestamptz NOT NULL,
    paid_at timestamptz,
    voided_at timestamptz,
    method text,
    reference text
);

CREATE TABLE quotes (
    id text PRIMARY KEY CHECK (id ~ '^Q-[0-9]{4,}$'),
    number integer NOT NULL UNIQUE CHECK (number >= 1),
    contact_id text NOT NULL REFERENCES contacts (id),
    items json NOT NULL,
    total_minor bigint NOT NULL CHECK (total_minor >= 0),
    total_currency char(3) NOT NULL,
    status text NOT NULL CHECK (status IN ('open', 'accepted')),
    invoice_id text,
    created_at timestamptz NOT NULL,
    accepted_at timestamptz
);

CREATE TABLE ledger (
    id text PRIMARY KEY,
    seq bigserial NOT NULL UNIQUE,
    booking_id text REFERENCES bookings (id),
    invoice_id text REFERENCES invoices (id),
    contact_id text NOT NULL REFERENCES contacts (id),
    kind text NOT NULL CHECK (kind IN ('charge', 'refund', 'cancellation_fee', 'no_show_fee')),
    method text CHECK (method IN ('card', 'invoice', 'in_person')),
    provider text,
    amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
    amount_currency char(3) NOT NULL,
    status text NOT NULL CHECK (status IN ('succeeded', 'failed', 'pending', 'voided', 'kept', 'due')),
    reference text,
    created_at timestamptz NOT NULL,
    refund_of text REFERENCES ledger (id),
    deposit boolean NOT NULL,
    card_brand text,
    card_last4 text CHECK (card_last4 ~ '^[0-9]{4}$'),
    reason text,
    failure text,
    CHECK (booking_id IS NOT NULL OR invoice_id IS NOT NULL),
    CHECK (kind = 'refund' OR refund_of IS NULL)
);
CREATE INDEX ledger_booking ON ledger (booking_id);
CREATE INDEX ledger_invoice ON ledger (invoice_id);
CREATE INDEX ledger_created ON ledger (created_at);

-- Entries are never changed or deleted: a correction is a new entry.
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % of entry % refused', TG_OP, OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON ledger
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

CREATE TABLE notes (
    id text PRIMARY KEY CHECK (id ~ '^n-[1-9][0-9]*$'),
    contact_id text NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    "position" integer NOT NULL,
    text text NOT NULL,
    type text NOT NULL,
    author text,
    created_at timestamptz NOT NULL
);
CREATE INDEX notes_contact ON notes (contact_id);

CREATE TABLE tasks (
    id text PRIMARY KEY CHECK (id ~ '^t-[1-9][0-9]*$'),
    contact_id text NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    "position" integer NOT NULL,
    text text NOT NULL,
    assignee text,
    due date,
    created_at timestamptz NOT NULL,
    done_at timestamptz
);
CREATE INDEX tasks_contact ON tasks (contact_id);

CREATE TABLE attachments (
    id text PRIMARY KEY CHECK (id ~ '^a-[1-9][0-9]*$'),
    contact_id text NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    "position" integer NOT NULL,
    name text NOT NULL,
    size bigint NOT NULL CHECK (size >= 0),
    media_type text NOT NULL,
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    created_at timestamptz NOT NULL
);
CREATE INDEX attachments_contact ON attachments (contact_id);

-- An attachment's bytes, apart from its row so that listing a card never reads them.
CREATE TABLE attachment_blobs (
    id text PRIMARY KEY CHECK (id ~ '^a-[1-9][0-9]*$'),
    data bytea NOT NULL
);

CREATE TABLE outbox (
    id text PRIMARY KEY CHECK (id ~ '^m-[0-9]{8}-[0-9]{6}-[1-9][0-9]*$'),
    data bytea NOT NULL
);

-- Hashed idempotency keys: unique in the database, whichever front desk sent the command.
CREATE TABLE idempotency (
    key_hash text PRIMARY KEY CHECK (key_hash ~ '^[0-9a-f]{64}$'),
    arguments text NOT NULL,
    result json
);
"""

# Refunds never exceed what was paid, said where SQL can say it: against the entry a refund names,
# and against the money that reached the business for the booking.
_V2 = """
CREATE FUNCTION ledger_refund_within_paid() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    charged bigint;
    refunded bigint;
BEGIN
    IF NEW.kind <> 'refund' OR NEW.status <> 'succeeded' THEN
        RETURN NEW;
    END IF;
    IF NEW.refund_of IS NOT NULL THEN
        SELECT amount_minor INTO charged FROM ledger WHERE id = NEW.refund_of;
        SELECT coalesce(sum(amount_minor), 0) INTO refunded FROM ledger
            WHERE refund_of = NEW.refund_of AND kind = 'refund' AND status = 'succeeded';
        IF refunded + NEW.amount_minor > charged THEN
            RAISE EXCEPTION 'refund % would take back more than entry % brought in', NEW.id, NEW.refund_of
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    IF NEW.booking_id IS NOT NULL THEN
        SELECT coalesce(sum(amount_minor) FILTER (WHERE kind <> 'refund'), 0),
               coalesce(sum(amount_minor) FILTER (WHERE kind = 'refund'), 0)
            INTO charged, refunded
            FROM ledger WHERE booking_id = NEW.booking_id AND status = 'succeeded';
        IF refunded + NEW.amount_minor > charged THEN
            RAISE EXCEPTION 'refund % would take back more than booking % paid', NEW.id, NEW.booking_id
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER ledger_refund_within_paid BEFORE INSERT ON ledger
    FOR EACH ROW EXECUTE FUNCTION ledger_refund_within_paid();
"""

# Write-ahead intents: a money-moving command first inserts a `pending` entry carrying the key it
# sends to the provider, then settles it once. That settlement is the only UPDATE the ledger allows;
# a pending refund counts against what is refundable from the moment it is inserted.
_SETTLED = "ARRAY['status', 'settled_at', 'reference', 'card_brand', 'card_last4', 'failure']"
_V3 = f"""
ALTER TABLE ledger ADD COLUMN idempotency_key text, ADD COLUMN request json, ADD COLUMN settled_at timestamptz;
CREATE UNIQUE INDEX ledger_idempotency_key ON ledger (idempotency_key);
CREATE INDEX ledger_pending ON ledger (seq) WHERE status = 'pending' AND idempotency_key IS NOT NULL;

CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status = 'pending' AND OLD.idempotency_key IS NOT NULL
            AND NEW.status IN ('succeeded', 'failed') AND NEW.settled_at IS NOT NULL
            AND to_jsonb(NEW) - {_SETTLED} = to_jsonb(OLD) - {_SETTLED} THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the ledger is append-only: % of entry % refused', TG_OP, OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE OR REPLACE FUNCTION ledger_refund_within_paid() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    charged bigint;
    refunded bigint;
BEGIN
    IF NEW.kind <> 'refund' OR NOT (NEW.status = 'succeeded'
            OR (NEW.status = 'pending' AND NEW.idempotency_key IS NOT NULL)) THEN
        RETURN NEW;
    END IF;
    IF NEW.refund_of IS NOT NULL THEN
        SELECT amount_minor INTO charged FROM ledger WHERE id = NEW.refund_of;
        SELECT coalesce(sum(amount_minor), 0) INTO refunded FROM ledger
            WHERE refund_of = NEW.refund_of AND kind = 'refund'
              AND (status = 'succeeded' OR (status = 'pending' AND idempotency_key IS NOT NULL));
        IF refunded + NEW.amount_minor > charged THEN
            RAISE EXCEPTION 'refund % would take back more than entry % brought in', NEW.id, NEW.refund_of
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    IF NEW.booking_id IS NOT NULL THEN
        SELECT coalesce(sum(amount_minor) FILTER (WHERE kind <> 'refund' AND status = 'succeeded'), 0),
               coalesce(sum(amount_minor) FILTER (WHERE kind = 'refund' AND (status = 'succeeded'
                   OR (status = 'pending' AND idempotency_key IS NOT NULL))), 0)
            INTO charged, refunded
            FROM ledger WHERE booking_id = NEW.booking_id;
        IF refunded + NEW.amount_minor > charged THEN
            RAISE EXCEPTION 'refund % would take back more than booking % paid', NEW.id, NEW.booking_id
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NEW;
END $$;
"""

# A booking's revision: raised by each change of it, the base of its calendar event's SEQUENCE.
_V4 = """
ALTER TABLE bookings ADD COLUMN revision integer NOT NULL DEFAULT 0 CHECK (revision >= 0);
"""

# Indexes for the look-ups whose cost must follow their result: a label's contacts (`label_keys`, each
# label folded as storage/repositories.py's `label_key` folds it, which SQL cannot: FILLS computes it for
# the rows already there) and a contact's invoices and quotes.
_V5 = """
ALTER TABLE contacts ADD COLUMN label_keys text[] NOT NULL DEFAULT '{}';
CREATE INDEX contacts_label_keys ON contacts USING gin (label_keys);
CREATE INDEX invoices_contact ON invoices (contact_id, number);
CREATE INDEX quotes_contact ON quotes (contact_id, number);
"""


# Recurring schedules and staff time off (bookctl #19), and the links a meeting and a course booking
# keep to them.
_V6 = """
CREATE TABLE timetable (
    id text PRIMARY KEY CHECK (id ~ '^(sch|off)-[1-9][0-9]*$'),
    kind text NOT NULL CHECK (kind IN ('schedule', 'time_off')),
    data json NOT NULL
);
ALTER TABLE sessions ADD COLUMN schedule_id text;
ALTER TABLE bookings ADD COLUMN course_booking_id text;
CREATE INDEX sessions_schedule ON sessions (schedule_id) WHERE schedule_id IS NOT NULL;
"""


# The reminders sent for each booking (bookctl #20), marked in the commit that queues them.
_V7 = """
ALTER TABLE bookings ADD COLUMN reminded json NOT NULL DEFAULT '[]';
"""


# Waitlists (bookctl #20): a booking may wait for a place, or hold one offered to it until a time.
_V8 = """
ALTER TABLE bookings DROP CONSTRAINT bookings_status_check;
ALTER TABLE bookings ADD CONSTRAINT bookings_status_check
    CHECK (status IN ('confirmed', 'cancelled', 'waitlisted', 'offered'));
ALTER TABLE bookings ADD COLUMN offer_expires_at timestamptz;
"""


# Webhook deliveries (bookctl #20): queued in the commit that made their event, until the receiver took them.
_V9 = """
CREATE TABLE webhook_deliveries (
    id text PRIMARY KEY CHECK (id ~ '^wd-[1-9][0-9]*$'),
    webhook_id text NOT NULL CHECK (webhook_id ~ '^wh-[1-9][0-9]*$'),
    event text NOT NULL,
    event_id text NOT NULL,
    body bytea NOT NULL,
    created_at timestamptz NOT NULL,
    attempts integer NOT NULL CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL,
    last_error text,
    status text NOT NULL CHECK (status IN ('queued', 'failed'))
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id);
"""


# Packs and memberships (bookctl #23): plans, read whole, and the passes sold of them, a contact's found
# through its index. Each record's fields are its json `data`; what a query looks into is a column beside it.
_V10 = """
CREATE TABLE plans (
    id text PRIMARY KEY CHECK (id ~ '^pl-[1-9][0-9]*$'),
    data json NOT NULL
);
CREATE TABLE passes (
    id text PRIMARY KEY CHECK (id ~ '^ps-[1-9][0-9]*$'),
    plan_id text NOT NULL REFERENCES plans (id),
    contact_id text NOT NULL REFERENCES contacts (id),
    status text NOT NULL CHECK (status IN ('active', 'expired', 'used_up', 'past_due', 'cancelled')),
    expires_at timestamptz,
    data json NOT NULL
);
CREATE INDEX passes_contact ON passes (contact_id, ((substr(id, 4))::bigint));
"""


def _fill_label_keys(conn: Any) -> None:  # noqa: ANN401 - a psycopg connection
    """Each contact's folded labels, for the rows written before the column existed."""
    from bookctl.domain.values import fold

    rows = [(sorted({fold(label) for label in labels}), contact_id)
            for contact_id, labels in conn.execute("SELECT id, labels FROM contacts").fetchall() if labels]
    if rows:
        with conn.cursor() as cursor:
            cursor.executemany("UPDATE contacts SET label_keys = %s WHERE id = %s", rows)


# Credits (bookctl #23): the pass that covers a booking, and the pass an invoice sells.
_V11 = """
ALTER TABLE bookings ADD COLUMN pass_id text;
ALTER TABLE invoices ADD COLUMN pass_id text;
"""


MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4, _V5, _V6, _V7, _V8, _V9, _V10, _V11)
LATEST = len(MIGRATIONS)
# What a migration needs computed in Python, run right after it in the same transaction.
FILLS: dict[int, Callable[[Any], None]] = {5: _fill_label_keys}
