-- Test results and submissions of the course contents by the course
-- members. A row's course is its member's; the (member, course) and
-- (content, course) foreign keys keep the content in that course too.
-- A result grades at most one submission and a submission has at most one
-- result: the link is test_results.submission_id, unique.

-- +goose Up
-- The targets of the (member, course) and (content, course) foreign keys.
CREATE UNIQUE INDEX course_members_id_course_id_key ON course_members (id, course_id);
CREATE UNIQUE INDEX course_contents_id_course_id_key ON course_contents (id, course_id);

CREATE TABLE submissions (
    id                TEXT NOT NULL PRIMARY KEY,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    created_by        TEXT NOT NULL DEFAULT '',
    created_by_task   TEXT NOT NULL DEFAULT '',
    course_id         TEXT NOT NULL REFERENCES courses (id) ON DELETE RESTRICT,
    course_member_id  TEXT NOT NULL,
    course_content_id TEXT NOT NULL,
    git_commit        TEXT NOT NULL CHECK (git_commit <> ''),
    task_id           TEXT NOT NULL CHECK (task_id <> ''),
    CONSTRAINT submissions_task_id_key UNIQUE (task_id),
    CONSTRAINT submissions_course_member_fkey FOREIGN KEY (course_member_id, course_id)
        REFERENCES course_members (id, course_id) ON DELETE RESTRICT,
    CONSTRAINT submissions_course_content_fkey FOREIGN KEY (course_content_id, course_id)
        REFERENCES course_contents (id, course_id) ON DELETE RESTRICT
) STRICT;

CREATE INDEX submissions_member_content_idx ON submissions (course_member_id, course_content_id);
CREATE INDEX submissions_course_content_idx ON submissions (course_content_id, course_id);

CREATE TABLE test_results (
    id                TEXT NOT NULL PRIMARY KEY,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    created_by        TEXT NOT NULL DEFAULT '',
    created_by_task   TEXT NOT NULL DEFAULT '',
    course_id         TEXT NOT NULL REFERENCES courses (id) ON DELETE RESTRICT,
    course_member_id  TEXT NOT NULL,
    course_content_id TEXT NOT NULL,
    git_commit        TEXT NOT NULL CHECK (git_commit <> ''),
    task_id           TEXT NOT NULL CHECK (task_id <> ''),
    status            TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
    score             REAL NOT NULL DEFAULT 0 CHECK (score >= 0 AND score <= 1),
    summary           TEXT NULL CHECK (summary IS NULL OR json_valid(summary)),
    submission_id     TEXT NULL REFERENCES submissions (id) ON DELETE RESTRICT,
    finished_at       TEXT NULL,
    CONSTRAINT test_results_task_id_key UNIQUE (task_id),
    CONSTRAINT test_results_submission_id_key UNIQUE (submission_id),
    CONSTRAINT test_results_course_member_fkey FOREIGN KEY (course_member_id, course_id)
        REFERENCES course_members (id, course_id) ON DELETE RESTRICT,
    CONSTRAINT test_results_course_content_fkey FOREIGN KEY (course_content_id, course_id)
        REFERENCES course_contents (id, course_id) ON DELETE RESTRICT
) STRICT;

CREATE INDEX test_results_member_content_idx ON test_results (course_member_id, course_content_id, created_at);
CREATE INDEX test_results_course_content_idx ON test_results (course_content_id, course_id, created_at);
CREATE INDEX test_results_course_idx ON test_results (course_id, created_at);

-- +goose Down
DROP TABLE test_results;
DROP TABLE submissions;
DROP INDEX course_contents_id_course_id_key;
DROP INDEX course_members_id_course_id_key;
