-- A member's own deadline for one content, granted by staff: it takes the
-- place of the content's deadline for that member.

-- +goose Up
CREATE TABLE deadline_extensions (
    course_member_id  TEXT NOT NULL REFERENCES course_members (id) ON DELETE CASCADE,
    course_content_id TEXT NOT NULL REFERENCES course_contents (id) ON DELETE CASCADE,
    deadline          TEXT NOT NULL,
    granted_by        TEXT NOT NULL,
    granted_by_task   TEXT NOT NULL,
    granted_at        TEXT NOT NULL,
    PRIMARY KEY (course_member_id, course_content_id)
) STRICT;

-- +goose Down
DROP TABLE deadline_extensions;
