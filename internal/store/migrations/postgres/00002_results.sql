-- Test results and submissions of the course contents by the course
-- members. A row's course is its member's; the (member, course) and
-- (content, course) foreign keys keep the content in that course too.
-- A result grades at most one submission and a submission has at most one
-- result: the link is test_results.submission_id, unique.

-- +goose Up
-- The targets of the (member, course) and (content, course) foreign keys.
ALTER TABLE course_members ADD CONSTRAINT course_members_id_course_id_key UNIQUE (id, course_id);
ALTER TABLE course_contents ADD CONSTRAINT course_contents_id_course_id_key UNIQUE (id, course_id);

CREATE TABLE submissions (
    id                uuid PRIMARY KEY,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    created_by        text NOT NULL DEFAULT '',
    created_by_task   text NOT NULL DEFAULT '',
    course_id         uuid NOT NULL REFERENCES courses (id) ON DELETE RESTRICT,
    course_member_id  uuid NOT NULL,
    course_content_id uuid NOT NULL,
    git_commit        text COLLATE "C" NOT NULL CHECK (git_commit <> ''),
    task_id           text COLLATE "C" NOT NULL CHECK (task_id <> ''),
    CONSTRAINT submissions_task_id_key UNIQUE (task_id),
    CONSTRAINT submissions_course_member_fkey FOREIGN KEY (course_member_id, course_id)
        REFERENCES course_members (id, course_id) ON DELETE RESTRICT,
    CONSTRAINT submissions_course_content_fkey FOREIGN KEY (course_content_id, course_id)
        REFERENCES course_contents (id, course_id) ON DELETE RESTRICT
);

CREATE INDEX submissions_member_content_idx ON submissions (course_member_id, course_content_id);
CREATE INDEX submissions_course_content_idx ON submissions (course_content_id, course_id);

-- The summary is jsonb: it round-trips as JSON, not as text (keys are
-- reordered, space is dropped).
CREATE TABLE test_results (
    id                uuid PRIMARY KEY,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    created_by        text NOT NULL DEFAULT '',
    created_by_task   text NOT NULL DEFAULT '',
    course_id         uuid NOT NULL REFERENCES courses (id) ON DELETE RESTRICT,
    course_member_id  uuid NOT NULL,
    course_content_id uuid NOT NULL,
    git_commit        text COLLATE "C" NOT NULL CHECK (git_commit <> ''),
    task_id           text COLLATE "C" NOT NULL CHECK (task_id <> ''),
    status            text COLLATE "C" NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
    score             double precision NOT NULL DEFAULT 0 CHECK (score >= 0 AND score <= 1),
    summary           jsonb NULL,
    submission_id     uuid NULL REFERENCES submissions (id) ON DELETE RESTRICT,
    finished_at       timestamptz NULL,
    CONSTRAINT test_results_task_id_key UNIQUE (task_id),
    CONSTRAINT test_results_submission_id_key UNIQUE (submission_id),
    CONSTRAINT test_results_course_member_fkey FOREIGN KEY (course_member_id, course_id)
        REFERENCES course_members (id, course_id) ON DELETE RESTRICT,
    CONSTRAINT test_results_course_content_fkey FOREIGN KEY (course_content_id, course_id)
        REFERENCES course_contents (id, course_id) ON DELETE RESTRICT
);

CREATE INDEX test_results_member_content_idx ON test_results (course_member_id, course_content_id, created_at);
CREATE INDEX test_results_course_content_idx ON test_results (course_content_id, course_id, created_at);
CREATE INDEX test_results_course_idx ON test_results (course_id, created_at);

-- +goose Down
DROP TABLE test_results;
DROP TABLE submissions;
ALTER TABLE course_contents DROP CONSTRAINT course_contents_id_course_id_key;
ALTER TABLE course_members DROP CONSTRAINT course_members_id_course_id_key;
