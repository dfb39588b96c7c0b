-- Analytics fact tables, written from libs/projections (one INSERT per table per batch).
-- Rules every table here follows:
--  * ORDER BY starts with institute_id and ends with event_id (plus the item inside the event), so
--    the same event delivered any number of times collapses to one row, whatever the order.
--  * ReplacingMergeTree(delivery_rank): delivery_rank is larger for an earlier delivery, so a merge
--    keeps the earliest copy; columns derived from receivedAt (at_ms, paid_at_ms, order_ms without a
--    time in the body) therefore end up as the earliest receipt, which is also what the views read
--    (min over copies) before any merge. Views never need FINAL.
--  * No time-based PARTITION BY: copies received months apart must land in one partition.
--  * DateTime columns are UTC; *_ms columns are epoch milliseconds.

-- SessionsCreated/Updated/DeletedEvent, one row per session item. NULL = field absent from the
-- item (sparse patch: unchanged).
CREATE TABLE IF NOT EXISTS session_events
(
    institute_id    String,
    session_id      String,
    event_id        String,
    classroom_id    String,
    event_kind      String,
    kind_rank       UInt8,
    order_ms        Int64,
    teacher_id      Nullable(String),
    title           Nullable(String),
    meeting_status  Nullable(String),
    session_type    Nullable(String),
    scheduled_start Nullable(DateTime('UTC')),
    scheduled_end   Nullable(DateTime('UTC')),
    created_at      Nullable(DateTime('UTC')),
    delivery_rank   UInt64
)
ENGINE = ReplacingMergeTree(delivery_rank)
ORDER BY (institute_id, session_id, event_id)
SETTINGS index_granularity = 256;

-- MeetingStarted/EndedEvent.
CREATE TABLE IF NOT EXISTS meeting_events
(
    institute_id      String,
    session_id        String,
    event_id          String,
    event_kind        String,
    at                DateTime('UTC'),
    meeting_id        String,
    meeting_uuid      String,
    topic             String,
    scheduled_minutes Nullable(Float64),
    delivery_rank     UInt64
)
ENGINE = ReplacingMergeTree(delivery_rank)
ORDER BY (institute_id, session_id, event_id)
SETTINGS index_granularity = 256;

-- ParticipantJoined/Left and SharingStared/Ended: event_kind joined | left | sharing_started | sharing_ended.
CREATE TABLE IF NOT EXISTS participant_events
(
    institute_id    String,
    session_id      String,
    participant_key String,
    event_id        String,
    device_key      String,
    event_kind      String,
    at              DateTime('UTC'),
    email           String,
    user_name       String,
    leave_reason    String,
    shared          String,
    shared_link     String,
    delivery_rank   UInt64
)
ENGINE = ReplacingMergeTree(delivery_rank)
ORDER BY (institute_id, session_id, participant_key, event_id)
SETTINGS index_granularity = 256;

-- Student/Teacher Added/Removed: member_role student | teacher, action added | removed.
CREATE TABLE IF NOT EXISTS roster_events
(
    institute_id   String,
    classroom_id   String,
    member_role    String,
    member_id      String,
    event_id       String,
    action         String,
    at_ms          Int64,
    member_name    String,
    member_email   String,
    classroom_name String,
    delivery_rank  UInt64
)
ENGINE = ReplacingMergeTree(delivery_rank)
ORDER BY (institute_id, classroom_id, member_role, member_id, event_id)
SETTINGS index_granularity = 256;

-- StudentSuspensionUpdatedEvent (suspend and unsuspend).
CREATE TABLE IF NOT EXISTS suspension_events
(
    institute_id     String,
    classroom_id     String,
    student_id       String,
    event_id         String,
    at_ms            Int64,
    suspended        UInt8,
    reason           String,
    overdue_minor    Nullable(Int64),
    overdue_currency Nullable(String),
    student_name     String,
    classroom_name   String,
    teacher_id       String,
    delivery_rank    UInt64
)
ENGINE = ReplacingMergeTree(delivery_rank)
ORDER BY (institute_id, classroom_id, student_id, event_id)
SETTINGS index_granularity = 256;

-- RecordingCompletedEvent, one row per part; duration as sent (believed seconds).
CREATE TABLE IF NOT EXISTS recording_events
(
    institute_id   String,
    session_id     String,
    recording_type String,
    part_index     UInt32,
    event_id       String,
    url            String,
    duration       Float64,
    recorded_by    String,
    at_ms          Int64,
    delivery_rank  UInt64
)
ENGINE = ReplacingMergeTree(delivery_rank)
ORDER BY (institute_id, session_id, recording_type, part_index, event_id)
SETTINGS index_granularity = 256;

-- FeeInvoiceChargedEvent: instalment_key = installmentId, else 'index:<metadata.index>'.
CREATE TABLE IF NOT EXISTS invoice_events
(
    institute_id     String,
    student_id       String,
    classroom_id     String,
    instalment_key   String,
    event_id         String,
    instalment_index Nullable(Int64),
    installment_id   String,
    amount_minor     Int64,
    currency         String,
    charged_at       DateTime('UTC'),
    due_on           Nullable(DateTime('UTC')),
    paid             Nullable(UInt8),
    fee_type         String,
    status           String,
    note             String,
    at_ms            Int64,
    student_name     String,
    classroom_name   String,
    delivery_rank    UInt64
)
ENGINE = ReplacingMergeTree(delivery_rank)
ORDER BY (institute_id, student_id, classroom_id, instalment_key, event_id)
SETTINGS index_granularity = 256;

-- FeePaymentCompletedEvent, keyed by transaction._id. paid_at_ms: occurredAt else receivedAt.
CREATE TABLE IF NOT EXISTS payment_events
(
    institute_id   String,
    transaction_id String,
    event_id       String,
    classroom_id   String,
    student_id     String,
    amount_minor   Int64,
    currency       String,
    payment_type   String,
    paid_at_ms     Int64,
    student_name   String,
    classroom_name String,
    delivery_rank  UInt64
)
ENGINE = ReplacingMergeTree(delivery_rank)
ORDER BY (institute_id, transaction_id, event_id)
SETTINGS index_granularity = 256;

-- CertificateIssuedEvent.
CREATE TABLE IF NOT EXISTS certificate_events
(
    institute_id       String,
    certificate_id     String,
    event_id           String,
    classroom_id       String,
    student_id         String,
    certificate_number String,
    url                String,
    issued_at          DateTime('UTC'),
    student_name       String,
    classroom_name     String,
    delivery_rank      UInt64
)
ENGINE = ReplacingMergeTree(delivery_rank)
ORDER BY (institute_id, certificate_id, event_id)
SETTINGS index_granularity = 256;

-- The attendance rule per institute (docs/analytics-model.md, "The attendance rule"). No row = the default: present when
-- time present >= 50 % of the scheduled duration AND >= 1 minute. The latest updated_at wins.
CREATE TABLE IF NOT EXISTS attendance_rules
(
    institute_id String,
    min_percent  Float64,
    min_minutes  Float64,
    updated_at   DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY institute_id
SETTINGS index_granularity = 256;
