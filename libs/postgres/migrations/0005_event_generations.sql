-- Same bytes, new event (libs/contracts/src/resent-bodies.ts). Membership, suspension and payment
-- events carry no time, so Wise can send the very bytes of an earlier event as a new one (add,
-- remove, add again). Ingestion keeps one row per distinct body of those events: the generation
-- its copies are given now, when that generation was first received, and where that receipt
-- stands among the new events of the body's entity (a classroom member, a student's suspension,
-- a payment). A copy that arrives after the body's retry window, when another event of the entity
-- was first received since, starts the next generation: a new event id (EventGenerationsRepository).
-- One row per distinct body of those six events; nothing else is written here.
CREATE SEQUENCE IF NOT EXISTS event_generation_order AS bigint;

CREATE TABLE IF NOT EXISTS event_generations (
    -- deriveEventId(institute, raw body): the id of generation 0.
    base_id           text    PRIMARY KEY,
    institute_id      text    NOT NULL,
    -- timelessEntityOf(body): the entity whose later events make a late copy a new event.
    entity            text    NOT NULL,
    generation        integer NOT NULL,
    -- Receipt of the generation's first copy, epoch ms, on the receiving ingestion's clock.
    first_received_ms bigint  NOT NULL,
    -- The generation's place among the new events of its entity (event_generation_order).
    entity_order      bigint  NOT NULL
);

-- "Was another event of this entity first received since?" reads this index only.
CREATE INDEX IF NOT EXISTS event_generations_entity ON event_generations (institute_id, entity, entity_order);

-- Ingestion decides the generations (libs/postgres/migrations/README.md, "A table an app reads or writes").
GRANT SELECT, INSERT, UPDATE ON event_generations TO wise_ingestion;
GRANT USAGE ON SEQUENCE event_generation_order TO wise_ingestion;
