-- An assignment's deadline (meta.yaml's deadline, set at release): after
-- it no submission is taken, and students see the tests whose results
-- test.yaml keeps back until then.

-- +goose Up
ALTER TABLE course_contents ADD COLUMN deadline TEXT NULL;

-- +goose Down
ALTER TABLE course_contents DROP COLUMN deadline;
