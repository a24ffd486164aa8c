-- Regrading and platform errors. A content records the version of its
-- tests (the released commit at which its test.yaml, test files or
-- reference files last changed, and their digest); a result records the
-- version it was graded with, when its sandbox run began, and the result
-- it supersedes (a regrade) or is superseded by. A run that failed for the
-- platform's reasons is 'error' (it was 'failed'). A submission's current
-- result is the one not superseded; the ones before stay as history.
-- SQLite cannot change a CHECK constraint, so test_results is rebuilt.

-- +goose Up
ALTER TABLE course_contents ADD COLUMN tests_version TEXT NULL;
ALTER TABLE course_contents ADD COLUMN tests_digest TEXT NULL;
UPDATE course_contents SET tests_version = released_commit;

CREATE TABLE test_results_v9 (
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
    status            TEXT NOT NULL CHECK (status IN ('running', 'finished', 'error')),
    score             REAL NOT NULL DEFAULT 0 CHECK (score >= 0 AND score <= 1),
    summary           TEXT NULL CHECK (summary IS NULL OR json_valid(summary)),
    submission_id     TEXT NULL REFERENCES submissions (id) ON DELETE RESTRICT,
    finished_at       TEXT NULL,
    tests_version     TEXT NULL,
    run_started_at    TEXT NULL,
    supersedes        TEXT NULL,
    superseded_by     TEXT NULL,
    CONSTRAINT test_results_task_id_key UNIQUE (task_id),
    CONSTRAINT test_results_supersedes_key UNIQUE (supersedes),
    CONSTRAINT test_results_course_member_fkey FOREIGN KEY (course_member_id, course_id)
        REFERENCES course_members (id, course_id) ON DELETE RESTRICT,
    CONSTRAINT test_results_course_content_fkey FOREIGN KEY (course_content_id, course_id)
        REFERENCES course_contents (id, course_id) ON DELETE RESTRICT
) STRICT;
INSERT INTO test_results_v9 (id, created_at, updated_at, created_by, created_by_task, course_id, course_member_id,
    course_content_id, git_commit, task_id, status, score, summary, submission_id, finished_at, tests_version)
SELECT r.id, r.created_at, r.updated_at, r.created_by, r.created_by_task, r.course_id, r.course_member_id,
    r.course_content_id, r.git_commit, r.task_id, CASE r.status WHEN 'failed' THEN 'error' ELSE r.status END,
    r.score, r.summary, r.submission_id, r.finished_at, cc.released_commit
FROM test_results r JOIN course_contents cc ON cc.id = r.course_content_id;
DROP TABLE test_results;
ALTER TABLE test_results_v9 RENAME TO test_results;
CREATE INDEX test_results_member_content_idx ON test_results (course_member_id, course_content_id, created_at);
CREATE INDEX test_results_course_content_idx ON test_results (course_content_id, course_id, created_at);
CREATE INDEX test_results_course_idx ON test_results (course_id, created_at);
-- A submission has one current result; superseded ones are its history.
CREATE UNIQUE INDEX test_results_submission_current_key ON test_results (submission_id) WHERE superseded_by IS NULL;
CREATE INDEX test_results_waiting_idx ON test_results (status, run_started_at);

-- +goose Down
-- Rebuilt, as the constraints changed: regrades go, errors are 'failed'.
CREATE TABLE test_results_v8 (
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
INSERT INTO test_results_v8 (id, created_at, updated_at, created_by, created_by_task, course_id, course_member_id,
    course_content_id, git_commit, task_id, status, score, summary, submission_id, finished_at)
SELECT id, created_at, updated_at, created_by, created_by_task, course_id, course_member_id,
    course_content_id, git_commit, task_id, CASE status WHEN 'error' THEN 'failed' ELSE status END,
    score, summary, submission_id, finished_at
FROM test_results WHERE supersedes IS NULL;
DROP TABLE test_results;
ALTER TABLE test_results_v8 RENAME TO test_results;
CREATE INDEX test_results_member_content_idx ON test_results (course_member_id, course_content_id, created_at);
CREATE INDEX test_results_course_content_idx ON test_results (course_content_id, course_id, created_at);
CREATE INDEX test_results_course_idx ON test_results (course_id, created_at);
ALTER TABLE course_contents DROP COLUMN tests_digest;
ALTER TABLE course_contents DROP COLUMN tests_version;
