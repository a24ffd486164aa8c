-- What staff changed of a content's settings since release
-- (update_course_content): JSON, applied over what meta.yaml gave at
-- release, and kept by later releases.

-- +goose Up
ALTER TABLE course_contents ADD COLUMN overrides jsonb NULL;

-- +goose Down
ALTER TABLE course_contents DROP COLUMN overrides;
