-- The domain schema. Text keys use the "C" collation so that ordering is
-- bytewise, the same as SQLite's.

-- +goose Up
CREATE TABLE users (
    id              uuid PRIMARY KEY,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    created_by      text NOT NULL DEFAULT '',
    created_by_task text NOT NULL DEFAULT '',
    username        text COLLATE "C" NOT NULL CHECK (username <> ''),
    email           text NOT NULL DEFAULT '',
    given_name      text NOT NULL DEFAULT '',
    family_name     text NOT NULL DEFAULT '',
    CONSTRAINT users_username_key UNIQUE (username)
);

CREATE TABLE organizations (
    id              uuid PRIMARY KEY,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    created_by      text NOT NULL DEFAULT '',
    created_by_task text NOT NULL DEFAULT '',
    path            text COLLATE "C" NOT NULL CHECK (path <> ''),
    title           text NOT NULL DEFAULT '',
    description     text NOT NULL DEFAULT '',
    CONSTRAINT organizations_path_key UNIQUE (path)
);

CREATE TABLE course_families (
    id              uuid PRIMARY KEY,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    created_by      text NOT NULL DEFAULT '',
    created_by_task text NOT NULL DEFAULT '',
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    path            text COLLATE "C" NOT NULL CHECK (path <> ''),
    title           text NOT NULL DEFAULT '',
    description     text NOT NULL DEFAULT '',
    CONSTRAINT course_families_organization_id_path_key UNIQUE (organization_id, path)
);

CREATE TABLE courses (
    id               uuid PRIMARY KEY,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    created_by       text NOT NULL DEFAULT '',
    created_by_task  text NOT NULL DEFAULT '',
    course_family_id uuid NOT NULL REFERENCES course_families (id) ON DELETE RESTRICT,
    path             text COLLATE "C" NOT NULL CHECK (path <> ''),
    title            text NOT NULL DEFAULT '',
    description      text NOT NULL DEFAULT '',
    CONSTRAINT courses_course_family_id_path_key UNIQUE (course_family_id, path)
);

CREATE TABLE course_groups (
    id              uuid PRIMARY KEY,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    created_by      text NOT NULL DEFAULT '',
    created_by_task text NOT NULL DEFAULT '',
    course_id       uuid NOT NULL REFERENCES courses (id) ON DELETE RESTRICT,
    title           text COLLATE "C" NOT NULL CHECK (title <> ''),
    CONSTRAINT course_groups_course_id_title_key UNIQUE (course_id, title),
    -- The target of course_members' (course_group_id, course_id) key, which
    -- keeps a member's group in the member's course.
    CONSTRAINT course_groups_id_course_id_key UNIQUE (id, course_id)
);

CREATE TABLE course_roles (
    id              text COLLATE "C" PRIMARY KEY,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    created_by      text NOT NULL DEFAULT '',
    created_by_task text NOT NULL DEFAULT '',
    title           text NOT NULL DEFAULT ''
);

INSERT INTO course_roles (id, created_at, updated_at, title) VALUES
    ('_owner', now(), now(), 'Owner'),
    ('_maintainer', now(), now(), 'Maintainer'),
    ('_lecturer', now(), now(), 'Lecturer'),
    ('_tutor', now(), now(), 'Tutor'),
    ('_student', now(), now(), 'Student');

CREATE TABLE course_members (
    id              uuid PRIMARY KEY,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    created_by      text NOT NULL DEFAULT '',
    created_by_task text NOT NULL DEFAULT '',
    course_id       uuid NOT NULL REFERENCES courses (id) ON DELETE RESTRICT,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    course_role_id  text COLLATE "C" NOT NULL REFERENCES course_roles (id) ON DELETE RESTRICT,
    course_group_id uuid NULL,
    CONSTRAINT course_members_course_id_user_id_key UNIQUE (course_id, user_id),
    CONSTRAINT course_members_course_group_fkey FOREIGN KEY (course_group_id, course_id)
        REFERENCES course_groups (id, course_id) ON DELETE RESTRICT
);

CREATE INDEX course_members_user_id_idx ON course_members (user_id);
CREATE INDEX course_members_course_group_id_idx ON course_members (course_group_id, course_id);

CREATE TABLE course_contents (
    id              uuid PRIMARY KEY,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    created_by      text NOT NULL DEFAULT '',
    created_by_task text NOT NULL DEFAULT '',
    course_id       uuid NOT NULL REFERENCES courses (id) ON DELETE RESTRICT,
    path            text COLLATE "C" NOT NULL CHECK (path <> ''),
    title           text NOT NULL DEFAULT '',
    max_test_runs   integer NOT NULL DEFAULT 0 CHECK (max_test_runs >= 0),
    max_submissions integer NOT NULL DEFAULT 0 CHECK (max_submissions >= 0),
    released_commit text NOT NULL DEFAULT '',
    released_at     timestamptz NULL,
    CONSTRAINT course_contents_course_id_path_key UNIQUE (course_id, path)
);

-- +goose Down
DROP TABLE course_contents;
DROP TABLE course_members;
DROP TABLE course_roles;
DROP TABLE course_groups;
DROP TABLE courses;
DROP TABLE course_families;
DROP TABLE organizations;
DROP TABLE users;
