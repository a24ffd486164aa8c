-- A member's own deadline for one content, granted by staff: it takes the
-- place of the content's deadline for that member.

-- +goose Up
CREATE TABLE deadline_extensions (
    course_member_id  uuid NOT NULL REFERENCES course_members (id) ON DELETE CASCADE,
    course_content_id uuid NOT NULL REFERENCES course_contents (id) ON DELETE CASCADE,
    deadline          timestamptz NOT NULL,
    granted_by        text NOT NULL,
    granted_by_task   text NOT NULL,
    granted_at        timestamptz NOT NULL,
    PRIMARY KEY (course_member_id, course_content_id)
);

-- +goose Down
DROP TABLE deadline_extensions;
