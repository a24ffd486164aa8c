-- Late submissions and submission penalties: a content's late deadline and
-- penalties, and each submission's place in its member's line and whether
-- it came after the member's deadline. Penalties are applied when grades
-- are read, so a changed penalty applies to every submission.

-- +goose Up
ALTER TABLE course_contents ADD COLUMN late_deadline timestamptz NULL;
ALTER TABLE course_contents ADD COLUMN late_penalty double precision NOT NULL DEFAULT 0 CHECK (late_penalty >= 0 AND late_penalty <= 1);
ALTER TABLE course_contents ADD COLUMN free_submissions integer NOT NULL DEFAULT 0 CHECK (free_submissions >= 0);
ALTER TABLE course_contents ADD COLUMN submission_penalty double precision NOT NULL DEFAULT 0 CHECK (submission_penalty >= 0 AND submission_penalty <= 1);
ALTER TABLE submissions ADD COLUMN ordinal integer NOT NULL DEFAULT 1 CHECK (ordinal >= 1);
ALTER TABLE submissions ADD COLUMN late boolean NOT NULL DEFAULT false;
-- Submissions made before: numbered in the order they were made.
UPDATE submissions SET ordinal = (SELECT count(*) FROM submissions s2
    WHERE s2.course_member_id = submissions.course_member_id AND s2.course_content_id = submissions.course_content_id
      AND (s2.created_at < submissions.created_at OR (s2.created_at = submissions.created_at AND s2.id <= submissions.id)));

-- +goose Down
ALTER TABLE submissions DROP COLUMN late;
ALTER TABLE submissions DROP COLUMN ordinal;
ALTER TABLE course_contents DROP COLUMN submission_penalty;
ALTER TABLE course_contents DROP COLUMN free_submissions;
ALTER TABLE course_contents DROP COLUMN late_penalty;
ALTER TABLE course_contents DROP COLUMN late_deadline;
