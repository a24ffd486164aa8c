-- The domain schema. Ids are UUID text; timestamps are UTC RFC 3339 text
-- with microseconds (2006-01-02T15:04:05.000000Z), so they sort as text.

-- +goose Up
CREATE TABLE users (
    id              TEXT NOT NULL PRIMARY KEY,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL DEFAULT '',
    created_by_task TEXT NOT NULL DEFAULT '',
    username        TEXT NOT NULL CHECK (username <> ''),
    email           TEXT NOT NULL DEFAULT '',
    given_name      TEXT NOT NULL DEFAULT '',
    family_name     TEXT NOT NULL DEFAULT '',
    CONSTRAINT users_username_key UNIQUE (username)
) STRICT;

CREATE TABLE organizations (
    id              TEXT NOT NULL PRIMARY KEY,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL DEFAULT '',
    created_by_task TEXT NOT NULL DEFAULT '',
    path            TEXT NOT NULL CHECK (path <> ''),
    title           TEXT NOT NULL DEFAULT '',
    description     TEXT NOT NULL DEFAULT '',
    CONSTRAINT organizations_path_key UNIQUE (path)
) STRICT;

CREATE TABLE course_families (
    id              TEXT NOT NULL PRIMARY KEY,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL DEFAULT '',
    created_by_task TEXT NOT NULL DEFAULT '',
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    path            TEXT NOT NULL CHECK (path <> ''),
    title           TEXT NOT NULL DEFAULT '',
    description     TEXT NOT NULL DEFAULT '',
    CONSTRAINT course_families_organization_id_path_key UNIQUE (organization_id, path)
) STRICT;

CREATE TABLE courses (
    id               TEXT NOT NULL PRIMARY KEY,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    created_by       TEXT NOT NULL DEFAULT '',
    created_by_task  TEXT NOT NULL DEFAULT '',
    course_family_id TEXT NOT NULL REFERENCES course_families (id) ON DELETE RESTRICT,
    path             TEXT NOT NULL CHECK (path <> ''),
    title            TEXT NOT NULL DEFAULT '',
    description      TEXT NOT NULL DEFAULT '',
    CONSTRAINT courses_course_family_id_path_key UNIQUE (course_family_id, path)
) STRICT;

CREATE TABLE course_groups (
    id              TEXT NOT NULL PRIMARY KEY,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL DEFAULT '',
    created_by_task TEXT NOT NULL DEFAULT '',
    course_id       TEXT NOT NULL REFERENCES courses (id) ON DELETE RESTRICT,
    title           TEXT NOT NULL CHECK (title <> ''),
    CONSTRAINT course_groups_course_id_title_key UNIQUE (course_id, title),
    -- The target of course_members' (course_group_id, course_id) key, which
    -- keeps a member's group in the member's course.
    CONSTRAINT course_groups_id_course_id_key UNIQUE (id, course_id)
) STRICT;

CREATE TABLE course_roles (
    id              TEXT NOT NULL PRIMARY KEY,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL DEFAULT '',
    created_by_task TEXT NOT NULL DEFAULT '',
    title           TEXT NOT NULL DEFAULT ''
) STRICT;

INSERT INTO course_roles (id, created_at, updated_at, title)
SELECT v.id, t.now, t.now, v.title
FROM (SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now') AS now) AS t,
     (SELECT '_owner' AS id, 'Owner' AS title
      UNION ALL SELECT '_maintainer', 'Maintainer'
      UNION ALL SELECT '_lecturer', 'Lecturer'
      UNION ALL SELECT '_tutor', 'Tutor'
      UNION ALL SELECT '_student', 'Student') AS v;

CREATE TABLE course_members (
    id              TEXT NOT NULL PRIMARY KEY,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL DEFAULT '',
    created_by_task TEXT NOT NULL DEFAULT '',
    course_id       TEXT NOT NULL REFERENCES courses (id) ON DELETE RESTRICT,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    course_role_id  TEXT NOT NULL REFERENCES course_roles (id) ON DELETE RESTRICT,
    course_group_id TEXT NULL,
    CONSTRAINT course_members_course_id_user_id_key UNIQUE (course_id, user_id),
    CONSTRAINT course_members_course_group_fkey FOREIGN KEY (course_group_id, course_id)
        REFERENCES course_groups (id, course_id) ON DELETE RESTRICT
) STRICT;

CREATE INDEX course_members_user_id_idx ON course_members (user_id);
CREATE INDEX course_members_course_group_id_idx ON course_members (course_group_id, course_id);

CREATE TABLE course_contents (
    id              TEXT NOT NULL PRIMARY KEY,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL DEFAULT '',
    created_by_task TEXT NOT NULL DEFAULT '',
    course_id       TEXT NOT NULL REFERENCES courses (id) ON DELETE RESTRICT,
    path            TEXT NOT NULL CHECK (path <> ''),
    title           TEXT NOT NULL DEFAULT '',
    max_test_runs   INTEGER NOT NULL DEFAULT 0 CHECK (max_test_runs >= 0),
    max_submissions INTEGER NOT NULL DEFAULT 0 CHECK (max_submissions >= 0),
    released_commit TEXT NOT NULL DEFAULT '',
    released_at     TEXT NULL,
    CONSTRAINT course_contents_course_id_path_key UNIQUE (course_id, path)
) STRICT;

-- +goose Down
DROP TABLE course_contents;
DROP TABLE course_members;
DROP TABLE course_roles;
DROP TABLE course_groups;
DROP TABLE courses;
DROP TABLE course_families;
DROP TABLE organizations;
DROP TABLE users;
