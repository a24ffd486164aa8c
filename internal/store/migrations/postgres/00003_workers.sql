-- The worker processes as they last announced themselves: which queues
-- they poll and how their sandbox isolates student code. The API shows it
-- beside what Temporal knows of the workers' polls.

-- +goose Up
CREATE TABLE workers (
    identity   TEXT NOT NULL PRIMARY KEY CHECK (identity <> ''),
    queues     JSONB NOT NULL,
    sandbox    JSONB NULL,
    started_at TIMESTAMPTZ NOT NULL,
    seen_at    TIMESTAMPTZ NOT NULL
);

CREATE INDEX workers_seen_at_idx ON workers (seen_at);

-- +goose Down
DROP TABLE workers;
