-- How many test runs a member may start per hour (0: no limit), and which
-- graded submission counts in the gradebook (last or best).

-- +goose Up
ALTER TABLE course_contents ADD COLUMN test_runs_per_hour INTEGER NOT NULL DEFAULT 0 CHECK (test_runs_per_hour >= 0);
ALTER TABLE course_contents ADD COLUMN grading TEXT NOT NULL DEFAULT 'last' CHECK (grading IN ('last', 'best'));

-- +goose Down
ALTER TABLE course_contents DROP COLUMN grading;
ALTER TABLE course_contents DROP COLUMN test_runs_per_hour;
