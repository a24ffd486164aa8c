// Package store is Computor's domain database: users, organizations, course
// families, courses, their groups, members and contents, and the members'
// test results and submissions of the contents. One Store
// interface stands in front of it, with a SQLite implementation (the
// embedded default) and a PostgreSQL one, both applying versioned
// migrations at open and both passing the same test suite.
//
// Every create is find-or-create keyed by the row's natural key and the
// task that makes it, so an activity retried after a crash makes nothing
// twice: a second create by the same task returns the first row, while a
// create by another task of a key that exists is derrors.Conflict.
package store

import (
	"context"
	"encoding/json"
	"time"
)

// Every implementation's errors wrap, with context, derrors.NotFound (no
// row matches), derrors.Conflict (the natural key exists already, made by
// someone else), derrors.Invalid (a value does not fit: bad path segment,
// unknown role) or derrors.LimitReached (max_test_runs or max_submissions
// used up). Driver errors never leave the package.

// Course roles, from most to least privileged.
const (
	RoleOwner      = "_owner"
	RoleMaintainer = "_maintainer"
	RoleLecturer   = "_lecturer"
	RoleTutor      = "_tutor"
	RoleStudent    = "_student"
)

// Result statuses: a test result is running from its start until it is
// finished (graded, with a score) or an error: the test could not run for
// the platform's reasons (or the assignment's test.yaml is invalid). An
// error is never the student's score: it counts for no limit.
const (
	ResultRunning  = "running"
	ResultFinished = "finished"
	ResultError    = "error"
)

// The scopes of a regrade (RegradeTargets).
const (
	// RegradeGraded regrades the graded submissions that count: each
	// member's last one, or all of them when the content counts the best.
	RegradeGraded = "graded"
	// RegradeLatest regrades each member's latest test run.
	RegradeLatest = "latest"
)

// Limits of TestResultList.
const (
	// TestResultListLimitDefault is how many results a list without a
	// limit returns.
	TestResultListLimitDefault = 100
	// TestResultListLimitMax is the most results one list returns; a
	// larger limit is lowered to it.
	TestResultListLimitMax = 1000
)

// Meta is what every row carries.
type Meta struct {
	ID        string    `json:"id"` // UUID
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// CreatedBy is the username (token sub) on whose behalf the row was made.
	CreatedBy string `json:"created_by"`
	// CreatedByTask is the task id that made the row; it makes creates
	// idempotent across retries.
	CreatedByTask string `json:"created_by_task,omitempty"`
}

// GradedSubmission is one submission as a gradebook needs it.
type GradedSubmission struct {
	CourseMemberID  string
	CourseContentID string
	SubmittedAt     time.Time
	// Status and Score are the grading result's; Status is empty while
	// the submission has no result yet.
	Status string
	Score  float64
	// Ordinal and Late are the submission's (see Submission).
	Ordinal int
	Late    bool
	// Outdated says the result was graded with older tests than the
	// content's (see TestResult.Outdated).
	Outdated bool
}

// Extension is a member's own deadline for one content, granted by staff.
type Extension struct {
	CourseMemberID  string    `json:"course_member_id"`
	CourseContentID string    `json:"course_content_id"`
	Deadline        time.Time `json:"deadline"`
	GrantedBy       string    `json:"granted_by"`
	GrantedByTask   string    `json:"granted_by_task"`
	GrantedAt       time.Time `json:"granted_at"`
}

// ExtensionGrantParams are the fields of a grant.
type ExtensionGrantParams struct {
	CourseMemberID, CourseContentID string
	Deadline                        time.Time
	GrantedBy, GrantedByTask        string
}

// Worker is a worker process as it last announced itself.
type Worker struct {
	// Identity is its Temporal identity, as the pollers of a task queue
	// show it.
	Identity string `json:"identity"`
	// Queues are the task queues it polls.
	Queues []string `json:"queues"`
	// Sandbox says how it isolates student code; nil when it runs none.
	Sandbox   json.RawMessage `json:"sandbox"`
	StartedAt time.Time       `json:"started_at"`
	// SeenAt is when it last announced itself.
	SeenAt time.Time `json:"seen_at"`
}

// WorkerAnnounceInterval is how often a worker renews its announcement;
// one not seen for three of them is gone.
const WorkerAnnounceInterval = 30 * time.Second

// WorkerSaveParams is a worker's announcement.
type WorkerSaveParams struct {
	Identity  string
	Queues    []string
	Sandbox   json.RawMessage
	StartedAt time.Time
}

// User is a person known to Computor; Username is a token's `sub`.
type User struct {
	Meta
	Username   string `json:"username"`
	Email      string `json:"email"`
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
}

// Organization is the top of the hierarchy; Path is one segment.
type Organization struct {
	Meta
	Path        string `json:"path"`
	Title       string `json:"title"`
	Description string `json:"description"`
}

// CourseFamily groups the runs of a course within an organization.
type CourseFamily struct {
	Meta
	OrganizationID string `json:"organization_id"`
	Path           string `json:"path"`      // one segment, unique in the organization
	FullPath       string `json:"full_path"` // organization.family
	Title          string `json:"title"`
	Description    string `json:"description"`
}

// Course is one run of a course.
type Course struct {
	Meta
	CourseFamilyID string `json:"course_family_id"`
	OrganizationID string `json:"organization_id"`
	Path           string `json:"path"`      // one segment, unique in the family
	FullPath       string `json:"full_path"` // organization.family.course
	Title          string `json:"title"`
	Description    string `json:"description"`
}

// CourseGroup is a group of students within a course (a lab group).
type CourseGroup struct {
	Meta
	CourseID string `json:"course_id"`
	Title    string `json:"title"` // unique in the course
}

// CourseMember is a user's membership of a course with one role.
type CourseMember struct {
	Meta
	CourseID      string `json:"course_id"`
	UserID        string `json:"user_id"`
	Username      string `json:"username"`
	Role          string `json:"role"`
	CourseGroupID string `json:"course_group_id,omitempty"`
}

// CourseContent is an assignment of a course, a directory of its
// assignments repository.
type CourseContent struct {
	Meta
	CourseID       string `json:"course_id"`
	Path           string `json:"path"` // directory in the assignments repository
	Title          string `json:"title"`
	MaxTestRuns    int    `json:"max_test_runs,omitempty"`
	MaxSubmissions int    `json:"max_submissions,omitempty"`
	// ReleasedCommit is the assignments commit last released; empty when
	// never released.
	ReleasedCommit string     `json:"released_commit,omitempty"`
	ReleasedAt     *time.Time `json:"released_at,omitempty"`
	// TestsVersion is the released commit at which the content's tests
	// (test.yaml, test files, reference files) last changed: results
	// graded with another are outdated. TestsDigest identifies those files.
	TestsVersion string `json:"tests_version,omitempty"`
	TestsDigest  string `json:"-"`
	// Deadline is when submissions end (meta.yaml's deadline); nil: none.
	Deadline *time.Time `json:"deadline,omitempty"`
	// LateDeadline, after Deadline, ends late submissions; LatePenalty
	// (0 to 1) is the part of a late submission's score it loses.
	LateDeadline *time.Time `json:"late_deadline,omitempty"`
	LatePenalty  float64    `json:"late_penalty,omitempty"`
	// FreeSubmissions are a member's submissions without a penalty; each
	// one after them loses SubmissionPenalty (0 to 1) of what is left.
	FreeSubmissions   int     `json:"free_submissions,omitempty"`
	SubmissionPenalty float64 `json:"submission_penalty,omitempty"`
	// TestRunsPerHour bounds a member's test runs in any hour; 0: none.
	TestRunsPerHour int `json:"test_runs_per_hour,omitempty"`
	// Grading says which graded submission counts: GradingLast or
	// GradingBest.
	Grading string `json:"grading"`
	// Overrides are the settings staff changed since release
	// (update_course_content). Deadline, MaxTestRuns and MaxSubmissions
	// above are already the effective ones, overrides applied.
	Overrides *ContentSettings `json:"overrides,omitempty"`
}

// ContentSettings are the settings of a content staff may change without
// a release; a nil field is left as meta.yaml has it.
type ContentSettings struct {
	Deadline          *time.Time `json:"deadline,omitempty"`
	LateDeadline      *time.Time `json:"late_deadline,omitempty"`
	LatePenalty       *float64   `json:"late_penalty,omitempty"`
	FreeSubmissions   *int       `json:"free_submissions,omitempty"`
	SubmissionPenalty *float64   `json:"submission_penalty,omitempty"`
	MaxTestRuns       *int       `json:"max_test_runs,omitempty"`
	MaxSubmissions    *int       `json:"max_submissions,omitempty"`
	TestRunsPerHour   *int       `json:"test_runs_per_hour,omitempty"`
	Grading           *string    `json:"grading,omitempty"`
}

// The ways a gradebook picks the graded submission that counts.
const (
	GradingLast = "last"
	GradingBest = "best"
)

// apply puts the overrides over c's settings.
func (o *ContentSettings) apply(c *CourseContent) {
	if o == nil {
		return
	}
	if o.Deadline != nil {
		d := *o.Deadline
		c.Deadline = &d
	}
	if o.MaxTestRuns != nil {
		c.MaxTestRuns = *o.MaxTestRuns
	}
	if o.MaxSubmissions != nil {
		c.MaxSubmissions = *o.MaxSubmissions
	}
	if o.TestRunsPerHour != nil {
		c.TestRunsPerHour = *o.TestRunsPerHour
	}
	if o.LateDeadline != nil {
		d := *o.LateDeadline
		c.LateDeadline = &d
	}
	if o.LatePenalty != nil {
		c.LatePenalty = *o.LatePenalty
	}
	if o.FreeSubmissions != nil {
		c.FreeSubmissions = *o.FreeSubmissions
	}
	if o.SubmissionPenalty != nil {
		c.SubmissionPenalty = *o.SubmissionPenalty
	}
	if o.Grading != nil {
		c.Grading = *o.Grading
	}
}

// TestResult is one test run of a member's commit of an assignment.
type TestResult struct {
	Meta
	// CourseID is the member's course, which is the content's too.
	CourseID        string `json:"course_id"`
	CourseMemberID  string `json:"course_member_id"`
	CourseContentID string `json:"course_content_id"`
	Username        string `json:"username"`     // the member's user's
	ContentPath     string `json:"content_path"` // the content's path
	Commit          string `json:"commit"`       // lowercase
	// TaskID is the task that runs the test; a task has at most one
	// result.
	TaskID string  `json:"task_id"`
	Status string  `json:"status"` // ResultRunning, ResultFinished or ResultError
	Score  float64 `json:"score"`  // in [0, 1]; 0 while running
	// Summary is the grading summary JSON, absent until finished. It
	// round-trips as JSON, not as text: PostgreSQL (jsonb) drops
	// insignificant space, orders keys and keeps the last of duplicate
	// keys, so compare it decoded.
	Summary json.RawMessage `json:"summary,omitempty"`
	// SubmissionID is the submission this result grades, if any.
	SubmissionID string     `json:"submission_id,omitempty"`
	FinishedAt   *time.Time `json:"finished_at,omitempty"`
	// RunStartedAt is when the sandbox run began (created_at is when the
	// run was accepted, so the difference is the wait).
	RunStartedAt *time.Time `json:"run_started_at,omitempty"`
	// TestsVersion is the content's tests version it was graded with;
	// Outdated says the content's is another now, and the result has not
	// been regraded.
	TestsVersion string `json:"tests_version,omitempty"`
	Outdated     bool   `json:"outdated"`
	// Supersedes is the result this one regrades; SupersededBy the
	// regrade of this one. A regrade keeps the original's created_at.
	Supersedes   string `json:"supersedes,omitempty"`
	SupersededBy string `json:"superseded_by,omitempty"`
}

// Submission is a member's submission of a commit of an assignment for
// grading.
type Submission struct {
	Meta
	// CourseID is the member's course, which is the content's too.
	CourseID        string `json:"course_id"`
	CourseMemberID  string `json:"course_member_id"`
	CourseContentID string `json:"course_content_id"`
	Commit          string `json:"commit"` // lowercase
	// TaskID is the task that submits; a task makes at most one
	// submission.
	TaskID string `json:"task_id"`
	// Ordinal is the submission's place among its member's submissions
	// of the content, from 1; Late says it came after the member's
	// deadline (and before the late deadline).
	Ordinal int  `json:"ordinal"`
	Late    bool `json:"late"`
	// ResultID is the test result that grades the submission, if any.
	ResultID string `json:"result_id,omitempty"`
}

// Store is the domain database. Open returns one.
//
// Lookups that find nothing are derrors.NotFound; values that do not fit
// (ValidPathSegment, ValidUsername, ValidContentPath, ValidRole, ids that
// are not UUIDs) are derrors.Invalid; creates of a natural key that another
// task made are derrors.Conflict; a used-up per-assignment limit is
// derrors.LimitReached. Lists are ordered (by path, title or username; test
// results newest first) and empty lists are non-nil. Times are UTC.
type Store interface {
	// CourseContentOverride merges settings into the content's overrides,
	// which later releases keep; it returns the content with them applied.
	CourseContentOverride(ctx context.Context, id string, settings ContentSettings) (*CourseContent, error)
	// TestRunsSince counts a member's test runs of a content (not those of
	// submissions) started at or after since, and gives the first of them.
	TestRunsSince(ctx context.Context, memberID, contentID string, since time.Time) (n int, first time.Time, err error)
	// GradedSubmissions lists a course's submissions, oldest first, with
	// their results' status and score.
	GradedSubmissions(ctx context.Context, courseID string) ([]GradedSubmission, error)
	// ExtensionGrant sets a member's own deadline for a content, replacing
	// an earlier one.
	ExtensionGrant(ctx context.Context, p ExtensionGrantParams) (*Extension, error)
	// ExtensionLatest is the latest deadline granted to any member for a
	// content; nil when none was granted.
	ExtensionLatest(ctx context.Context, contentID string) (*time.Time, error)
	// ExtensionGet is a member's extension for a content;
	// derrors.NotFound when there is none.
	ExtensionGet(ctx context.Context, memberID, contentID string) (*Extension, error)
	// WorkerSave records a worker process's announcement of itself; its
	// key is the identity. An empty identity or a sandbox that is not JSON
	// is derrors.Invalid.
	WorkerSave(ctx context.Context, p WorkerSaveParams) error
	// WorkerList lists the workers seen at or after since, by identity.
	WorkerList(ctx context.Context, since time.Time) ([]Worker, error)

	// UserFindOrCreate makes the user, or returns the one with that
	// username as it is, whoever made it.
	UserFindOrCreate(ctx context.Context, p UserCreateParams) (*User, error)
	// UserGetByUsername finds a user by username.
	UserGetByUsername(ctx context.Context, username string) (*User, error)

	// OrganizationCreate makes an organization; its natural key is its
	// path.
	OrganizationCreate(ctx context.Context, p OrganizationCreateParams) (*Organization, error)
	// OrganizationGet finds by id or by path.
	OrganizationGet(ctx context.Context, idOrPath string) (*Organization, error)
	// OrganizationList lists the organizations by path.
	OrganizationList(ctx context.Context) ([]Organization, error)

	// CourseFamilyCreate makes a course family; its natural key is
	// (organization, path). An unknown organization is derrors.NotFound.
	CourseFamilyCreate(ctx context.Context, p CourseFamilyCreateParams) (*CourseFamily, error)
	// CourseFamilyGet finds by id or by full path (organization.family).
	CourseFamilyGet(ctx context.Context, idOrPath string) (*CourseFamily, error)
	// CourseFamilyList lists the course families by full path.
	CourseFamilyList(ctx context.Context) ([]CourseFamily, error)

	// CourseCreate makes a course; its natural key is (course family,
	// path). An unknown course family is derrors.NotFound.
	CourseCreate(ctx context.Context, p CourseCreateParams) (*Course, error)
	// CourseGet finds by id or by full path (organization.family.course).
	CourseGet(ctx context.Context, idOrPath string) (*Course, error)
	// CourseList lists the courses by full path.
	CourseList(ctx context.Context) ([]Course, error)

	// CourseGroupFindOrCreate makes a course group, or returns the
	// course's group of that title, whoever made it.
	CourseGroupFindOrCreate(ctx context.Context, p CourseGroupCreateParams) (*CourseGroup, error)
	// CourseGroupList lists a course's groups by title; an unknown course
	// is derrors.NotFound.
	CourseGroupList(ctx context.Context, courseID string) ([]CourseGroup, error)

	// CourseMemberFindOrCreate makes the membership, or returns the existing
	// one of that user in that course whatever its role. An unknown
	// course, user or group is derrors.NotFound; a group of another course is
	// derrors.Invalid.
	CourseMemberFindOrCreate(ctx context.Context, p CourseMemberCreateParams) (*CourseMember, error)
	// CourseMembersFindOrCreate is CourseMemberFindOrCreate of many users at
	// once, in one transaction: it makes each user and each group that is
	// missing, then each membership, and returns the memberships in the
	// order of p.Members, existing ones as they are whatever their role and
	// group. An invalid username, title or role is derrors.Invalid, an
	// unknown course derrors.NotFound, and nothing is made.
	CourseMembersFindOrCreate(ctx context.Context, p CourseMembersFindOrCreateParams) ([]CourseMember, error)
	// CourseMemberGet finds a membership by id.
	CourseMemberGet(ctx context.Context, id string) (*CourseMember, error)
	// CourseMemberGetByUser finds the membership of a user, by username,
	// in a course, by id.
	CourseMemberGetByUser(ctx context.Context, courseID, username string) (*CourseMember, error)
	// CourseMemberList lists a course's members by username; an unknown
	// course is derrors.NotFound.
	CourseMemberList(ctx context.Context, courseID string) ([]CourseMember, error)
	// MembershipsOf lists every membership of a user, for permission checks,
	// by the course's full path; an unknown user has none.
	MembershipsOf(ctx context.Context, username string) ([]CourseMember, error)

	// CourseContentUpsert creates the content or updates its title and
	// limits; it never touches the released commit. Its natural key is
	// (course, path).
	CourseContentUpsert(ctx context.Context, p CourseContentUpsertParams) (*CourseContent, error)
	// CourseContentGet finds a content of a course by id or by path.
	CourseContentGet(ctx context.Context, courseID, idOrPath string) (*CourseContent, error)
	// CourseContentList lists a course's contents by path; an unknown
	// course is derrors.NotFound.
	CourseContentList(ctx context.Context, courseID string) ([]CourseContent, error)
	// CourseContentRelease records the released commit (ValidCommit,
	// stored in lowercase) and its time; a zero time means now. When
	// testsDigest differs from the content's (or it has none yet), the
	// commit becomes its tests version; an empty digest keeps the version
	// (or sets it to the commit when it has none).
	CourseContentRelease(ctx context.Context, id, commit string, at time.Time, testsDigest string) (*CourseContent, error)

	// TestResultStart records a running test of a member's commit of a
	// content for the task TaskID, with the member's course. It is
	// idempotent by TaskID: called again by the same task it returns the
	// same row, as it is now; a task's row of another member, content or
	// commit is derrors.Conflict. When MaxRuns > 0 and the member has MaxRuns
	// results of the content already (whatever their status, this task's
	// not counted), it is derrors.LimitReached. The check and the insert are
	// atomic, so two concurrent starts cannot both take the last run. An
	// unknown member or content is derrors.NotFound; a content of another course
	// than the member's, a bad commit (ValidCommit), an empty task or a
	// negative MaxRuns is derrors.Invalid.
	TestResultStart(ctx context.Context, p TestResultStartParams) (*TestResult, error)
	// TestResultFinish sets the status (ResultFinished or ResultError),
	// score (in [0, 1]), summary (valid JSON or empty; a JSON null is no
	// summary) and finish time of the result of TaskID. It is idempotent:
	// finishing a finished result again with the same values (the summary
	// compared as JSON) returns the row unchanged, while other values are
	// derrors.Conflict. An unknown task is derrors.NotFound; bad values are
	// derrors.Invalid.
	TestResultFinish(ctx context.Context, p TestResultFinishParams) (*TestResult, error)
	// TestResultGetByTask finds the result of a task; TestResultGet by id.
	TestResultGetByTask(ctx context.Context, taskID string) (*TestResult, error)
	TestResultGet(ctx context.Context, id string) (*TestResult, error)
	// TestResultRunStarted records when the sandbox run of the task's
	// result began; the first time recorded stays.
	TestResultRunStarted(ctx context.Context, taskID string, at time.Time) error
	// TestResultRegrade stores a regrade of the finished result SourceID:
	// a new result, of the same member, content, commit and submission,
	// that supersedes it. It is idempotent by the source: a source
	// regraded before returns that regrade and created false. A source
	// that is running is derrors.Invalid.
	TestResultRegrade(ctx context.Context, p TestResultRegradeParams) (r *TestResult, created bool, err error)
	// RegradeTargets lists the current results of a content that a regrade
	// of that scope (RegradeGraded, RegradeLatest) grades again: those
	// graded with another tests version than the content's, at most one
	// per member with RegradeLatest.
	RegradeTargets(ctx context.Context, contentID, scope string) ([]TestResult, error)
	// TestQueue counts the test runs waiting (accepted, not begun) and
	// running, in a course (empty: none) and in all, with recent figures.
	TestQueue(ctx context.Context, courseID string, since time.Time) (*TestQueueStats, error)
	// TestRunsWaitingBefore counts the runs accepted before t that have
	// not begun.
	TestRunsWaitingBefore(ctx context.Context, t time.Time) (int, error)
	// TestResultList lists the results that match every non-empty id of
	// the filter, newest first, at most f.Limit of them. An id that names
	// no course, member or content is derrors.NotFound; a negative limit is
	// derrors.Invalid.
	TestResultList(ctx context.Context, f TestResultFilter) ([]TestResult, error)

	// SubmissionCreate records a member's submission of a commit of a
	// content for the task TaskID, with the member's course. It is
	// idempotent by TaskID and bounded by MaxSubmissions, atomically, as
	// TestResultStart is by MaxRuns; its errors are those of
	// TestResultStart.
	SubmissionCreate(ctx context.Context, p SubmissionCreateParams) (*Submission, error)
	// SubmissionSetResult links a submission and the test result that
	// grades it, which sets both Submission.ResultID and
	// TestResult.SubmissionID, and returns the submission. Linking a linked
	// pair again returns it; a submission or result linked to another is
	// derrors.Conflict. The result must be of the submission's member, content
	// and commit, or it is derrors.Invalid. Unknown ids are derrors.NotFound.
	SubmissionSetResult(ctx context.Context, submissionID, resultID string) (*Submission, error)
	// SubmissionGetByTask finds the submission of a task.
	SubmissionGetByTask(ctx context.Context, taskID string) (*Submission, error)
	// SubmissionsSince counts the member's submissions of the content
	// made from since to until, both included, those the platform failed
	// to grade left out. Unknown ids count none.
	SubmissionsSince(ctx context.Context, memberID, contentID string, since, until time.Time) (int, error)

	// Ping checks the connection; Close releases it.
	Ping(ctx context.Context) error
	Close() error
}

// UserCreateParams are the fields of a new user.
type UserCreateParams struct {
	Username, Email, GivenName, FamilyName string
	CreatedBy, CreatedByTask               string
}

// OrganizationCreateParams are the fields of a new organization.
type OrganizationCreateParams struct {
	Path, Title, Description string
	CreatedBy, CreatedByTask string
}

// CourseFamilyCreateParams are the fields of a new course family.
type CourseFamilyCreateParams struct {
	OrganizationID           string
	Path, Title, Description string
	CreatedBy, CreatedByTask string
}

// CourseCreateParams are the fields of a new course.
type CourseCreateParams struct {
	CourseFamilyID           string
	Path, Title, Description string
	CreatedBy, CreatedByTask string
}

// CourseGroupCreateParams are the fields of a new course group.
type CourseGroupCreateParams struct {
	CourseID, Title          string
	CreatedBy, CreatedByTask string
}

// CourseMemberCreateParams are the fields of a new membership.
type CourseMemberCreateParams struct {
	CourseID, UserID, Role   string
	CourseGroupID            string // optional
	CreatedBy, CreatedByTask string
}

// CourseMembersFindOrCreateParams are the memberships of many users in one
// course, with one role, made by one task.
type CourseMembersFindOrCreateParams struct {
	CourseID, Role           string
	Members                  []NewCourseMember
	CreatedBy, CreatedByTask string
}

// NewCourseMember is one user of CourseMembersFindOrCreate: the fields of
// the user when it is made, and the title of their course group ("" for
// none), made when missing.
type NewCourseMember struct {
	Username, Email, GivenName, FamilyName string
	GroupTitle                             string
}

// CourseContentUpsertParams are the fields of a course content.
type CourseContentUpsertParams struct {
	CourseID, Path, Title       string
	MaxTestRuns, MaxSubmissions int
	// Deadline, when set, is when submissions end.
	Deadline *time.Time
	// LateDeadline, LatePenalty, FreeSubmissions and SubmissionPenalty:
	// see CourseContent.
	LateDeadline      *time.Time
	LatePenalty       float64
	FreeSubmissions   int
	SubmissionPenalty float64
	// TestRunsPerHour bounds a member's test runs per hour; 0: none.
	TestRunsPerHour int
	// Grading is GradingLast (also when empty) or GradingBest.
	Grading                  string
	CreatedBy, CreatedByTask string
}

// TestResultStartParams are the fields of a new test result.
type TestResultStartParams struct {
	CourseMemberID, CourseContentID string
	Commit                          string // ValidCommit; stored in lowercase
	TaskID                          string // the task that runs the test; required
	// PerHour bounds the member's practice runs (those not of a
	// submission) of the content in the last hour; 0 means no limit.
	PerHour int
	// MaxRuns is the content's max_test_runs; 0 means no limit.
	MaxRuns int
	// TestsVersion is the content's tests version the run grades with.
	TestsVersion string
	CreatedBy    string
}

// TestResultRegradeParams are a regrade's outcome.
type TestResultRegradeParams struct {
	SourceID string
	// TaskID is unique to the regrade: the regrading task's id and the
	// source's.
	TaskID       string
	TestsVersion string
	Status       string // ResultFinished or ResultError
	Score        float64
	Summary      json.RawMessage
	RunStartedAt time.Time
	CreatedBy    string
}

// TestQueueStats are the figures of GET /courses/{id}/queue.
type TestQueueStats struct {
	CourseWaiting int `json:"course_waiting"`
	CourseRunning int `json:"course_running"`
	Waiting       int `json:"waiting"`
	Running       int `json:"running"`
	// Finished counts the runs finished since the given time;
	// MeanWait and MeanRun are theirs, in seconds (0 without any).
	Finished    int     `json:"finished"`
	MeanWaitS   float64 `json:"mean_wait_s"`
	MeanRunS    float64 `json:"mean_run_s"`
	WindowS     float64 `json:"window_s"`
	PerMinute   float64 `json:"per_minute"`
	OldestWaitS float64 `json:"oldest_wait_s"`
}

// TestResultFinishParams are the outcome of a test.
type TestResultFinishParams struct {
	TaskID  string
	Status  string  // ResultFinished or ResultError
	Score   float64 // in [0, 1]
	Summary json.RawMessage
}

// TestResultFilter selects test results; an empty id matches any.
type TestResultFilter struct {
	CourseID, CourseMemberID, CourseContentID string
	// Limit is the most results returned: 0 means
	// TestResultListLimitDefault, and more than TestResultListLimitMax
	// means TestResultListLimitMax.
	Limit int
}

// SubmissionCreateParams are the fields of a new submission.
type SubmissionCreateParams struct {
	CourseMemberID, CourseContentID string
	Commit                          string // ValidCommit; stored in lowercase
	TaskID                          string // the task that submits; required
	// MaxSubmissions is the content's max_submissions; 0 means no limit.
	MaxSubmissions int
	// Late says the submission came after the member's deadline.
	Late      bool
	CreatedBy string
}
