-- Regrading and platform errors. A content records the version of its
-- tests (the released commit at which its test.yaml, test files or
-- reference files last changed, and their digest); a result records the
-- version it was graded with, when its sandbox run began, and the result
-- it supersedes (a regrade) or is superseded by. A run that failed for the
-- platform's reasons is 'error' (it was 'failed'). A submission's current
-- result is the one not superseded; the ones before stay as history.

-- +goose Up
ALTER TABLE course_contents ADD COLUMN tests_version text COLLATE "C" NULL;
ALTER TABLE course_contents ADD COLUMN tests_digest text COLLATE "C" NULL;
UPDATE course_contents SET tests_version = released_commit;

ALTER TABLE test_results DROP CONSTRAINT test_results_status_check;
UPDATE test_results SET status = 'error' WHERE status = 'failed';
ALTER TABLE test_results ADD CONSTRAINT test_results_status_check CHECK (status IN ('running', 'finished', 'error'));
ALTER TABLE test_results ADD COLUMN tests_version text COLLATE "C" NULL;
ALTER TABLE test_results ADD COLUMN run_started_at timestamptz NULL;
ALTER TABLE test_results ADD COLUMN supersedes uuid NULL REFERENCES test_results (id) ON DELETE RESTRICT;
ALTER TABLE test_results ADD COLUMN superseded_by uuid NULL;
ALTER TABLE test_results ADD CONSTRAINT test_results_supersedes_key UNIQUE (supersedes);
UPDATE test_results r SET tests_version = cc.released_commit FROM course_contents cc WHERE cc.id = r.course_content_id;
ALTER TABLE test_results DROP CONSTRAINT test_results_submission_id_key;
-- A submission has one current result; superseded ones are its history.
CREATE UNIQUE INDEX test_results_submission_current_key ON test_results (submission_id) WHERE superseded_by IS NULL;
CREATE INDEX test_results_waiting_idx ON test_results (status, run_started_at);

-- +goose Down
DROP INDEX test_results_waiting_idx;
DROP INDEX test_results_submission_current_key;
DELETE FROM test_results WHERE supersedes IS NOT NULL;
ALTER TABLE test_results ADD CONSTRAINT test_results_submission_id_key UNIQUE (submission_id);
ALTER TABLE test_results DROP COLUMN superseded_by;
ALTER TABLE test_results DROP COLUMN supersedes;
ALTER TABLE test_results DROP COLUMN run_started_at;
ALTER TABLE test_results DROP COLUMN tests_version;
ALTER TABLE test_results DROP CONSTRAINT test_results_status_check;
UPDATE test_results SET status = 'failed' WHERE status = 'error';
ALTER TABLE test_results ADD CONSTRAINT test_results_status_check CHECK (status IN ('running', 'finished', 'failed'));
ALTER TABLE course_contents DROP COLUMN tests_digest;
ALTER TABLE course_contents DROP COLUMN tests_version;
