-- The worker processes as they last announced themselves: which queues
-- they poll and how their sandbox isolates student code. The API shows it
-- beside what Temporal knows of the workers' polls.

-- +goose Up
CREATE TABLE workers (
    identity   TEXT NOT NULL PRIMARY KEY CHECK (identity <> ''),
    queues     TEXT NOT NULL CHECK (json_valid(queues)),
    sandbox    TEXT NULL CHECK (sandbox IS NULL OR json_valid(sandbox)),
    started_at TEXT NOT NULL,
    seen_at    TEXT NOT NULL
) STRICT;

CREATE INDEX workers_seen_at_idx ON workers (seen_at);

-- +goose Down
DROP TABLE workers;
