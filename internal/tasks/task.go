package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Spec describes a task type: everything but its name, which comes from
// the Params' Kind.
type Spec[P Params, R any] struct {
	// Description is one sentence for GET /tasks/types/{name}.
	Description string
	// Roles may submit the task; empty means any signed-in user. Admins may
	// always submit.
	Roles []string
	// AdminOnly leaves the task to admins.
	AdminOnly bool
	// Access says in words who may submit, for GET /tasks/types/{name},
	// when Roles and Authorize together say more than a list of roles.
	Access string
	// Check verifies the parameters against the world at submit time (the
	// course exists, the path is free); a *derrors.InvalidError is a 422. Nil
	// when decoding suffices.
	Check func(ctx context.Context, p P) error
	// Authorize decides whether the caller may submit these parameters,
	// beyond Roles (a membership of the course named in them). Nil: Roles
	// decide alone. It runs before Check.
	Authorize func(ctx context.Context, c Caller, p P) error
	// Fairness returns the fairness key of a task (see Start.FairnessKey);
	// nil: none.
	Fairness func(p P) string
	// Defaults are the parameters a submit starts from; the submitted JSON
	// overrides them field by field.
	Defaults P
	// Workflow runs the task. It is registered under the Params' Kind.
	Workflow func(workflow.Context, P) (R, error)
	// Activities are the task's activities, each bound to its ref (usually
	// a method value on a struct that holds the dependencies).
	Activities []Activity
	// Timeout bounds the whole task (WorkflowExecutionTimeout); zero means
	// no bound.
	Timeout time.Duration
	// TestRun, for a task that runs a student's tests, gives the task id
	// whose stored result is that run (its own, or a child's) and the
	// priority key the run is dispatched at (see QueueTests): the API tells
	// a waiting student how many runs are ahead. Nil for other tasks.
	TestRun func(taskID string) (resultTask string, priorityKey int)
}

// Type is one registered task type, with its generic parts erased so the
// API and the worker can handle every type alike.
type Type struct {
	name        string
	description string
	roles       []string
	adminOnly   bool
	access      string
	check       func(context.Context, Params) error
	authorize   func(context.Context, Caller, Params) error
	fairness    func(Params) string
	schema      map[string]any
	decode      func(json.RawMessage) (Params, error)
	workflow    any
	activities  []Activity
	timeout     time.Duration
	testRun     func(string) (string, int)
}

// New builds a Type from its Spec.
func New[P Params, R any](s Spec[P, R]) *Type {
	defaults := s.Defaults
	t := &Type{
		name:        defaults.Kind(),
		description: s.Description,
		roles:       slices.Clone(s.Roles),
		adminOnly:   s.AdminOnly,
		access:      s.Access,
		schema:      schemaFor(reflect.ValueOf(defaults)),
		decode: func(raw json.RawMessage) (Params, error) {
			return decodeParams(defaults, raw)
		},
		workflow:   s.Workflow,
		activities: s.Activities,
		timeout:    s.Timeout,
		testRun:    s.TestRun,
	}
	if s.Check != nil {
		t.check = func(ctx context.Context, p Params) error { return s.Check(ctx, p.(P)) }
	}
	if s.Fairness != nil {
		t.fairness = func(p Params) string { return s.Fairness(p.(P)) }
	}
	if s.Authorize != nil {
		t.authorize = func(ctx context.Context, c Caller, p Params) error { return s.Authorize(ctx, c, p.(P)) }
	}
	return t
}

// TestRun gives the task id of the test run of task id, and its priority
// key; ok is false for a task that runs no tests.
func (t *Type) TestRun(id string) (resultTask string, priorityKey int, ok bool) {
	if t.testRun == nil {
		return "", 0, false
	}
	resultTask, priorityKey = t.testRun(id)
	return resultTask, priorityKey, true
}

// FairnessKey returns the fairness key of a task with these parameters.
func (t *Type) FairnessKey(p Params) string {
	if t.fairness == nil {
		return ""
	}
	return t.fairness(p)
}

// Caller is who submits a task.
type Caller struct {
	// Subject is the token's sub: the username.
	Subject string
	// Roles are the token's roles.
	Roles []string
	// Admin is set for the admin role.
	Admin bool
}

// Access says who may submit the task, in words.
func (t *Type) Access() string {
	switch {
	case t.access != "":
		return t.access
	case t.adminOnly:
		return "admin"
	case len(t.roles) == 0:
		return "any signed-in user"
	default:
		return "the roles " + strings.Join(t.roles, ", ")
	}
}

// Gate is the check before the parameters are read: a caller whose roles
// can never submit the task is refused at once.
func (t *Type) Gate(c Caller) error {
	if t.adminOnly && !c.Admin {
		return fmt.Errorf("%w: task %q needs the admin role", derrors.Forbidden, t.name)
	}
	if c.Admin || t.authorize != nil || t.Allows(c.Roles, false) {
		return nil
	}
	return fmt.Errorf("%w: task %q needs one of the roles %s", derrors.Forbidden, t.name, strings.Join(t.roles, ", "))
}

// Admit checks a caller's submitted parameters: first whether the caller
// may submit them (Roles and Authorize, derrors.Forbidden), then whether they fit
// the world (Check, a *derrors.InvalidError). Authorizing first keeps a caller
// from learning about courses they are not in.
func (t *Type) Admit(ctx context.Context, c Caller, p Params) error {
	if !c.Admin {
		var err error
		if t.authorize != nil {
			err = t.authorize(ctx, c, p)
		} else {
			err = t.Gate(c)
		}
		if err != nil {
			return err
		}
	}
	if t.check != nil {
		return t.check(ctx, p)
	}
	return nil
}

// Name is the task type's stable name, also its Temporal workflow type.
func (t *Type) Name() string { return t.name }

// Description says what the task does.
func (t *Type) Description() string { return t.description }

// Roles lists the roles that may submit the task; empty means any signed-in
// user.
func (t *Type) Roles() []string {
	if t.adminOnly {
		return []string{"admin"}
	}
	return slices.Clone(t.roles)
}

// Timeout bounds the whole task; zero means no bound.
func (t *Type) Timeout() time.Duration { return t.timeout }

// Schema returns the JSON Schema of the task's parameters.
func (t *Type) Schema() map[string]any { return t.schema }

// DecodeParams decodes and validates submitted parameters. A
// *derrors.InvalidError names each field that does not fit.
func (t *Type) DecodeParams(raw json.RawMessage) (Params, error) {
	return t.decode(raw)
}

// Allows reports whether a caller with these roles may submit the task.
func (t *Type) Allows(roles []string, admin bool) bool {
	if admin {
		return true
	}
	if t.adminOnly {
		return false
	}
	if len(t.roles) == 0 {
		return true
	}
	for _, r := range roles {
		if slices.Contains(t.roles, r) {
			return true
		}
	}
	return false
}

// Register registers the workflow and its activities on a worker under
// their durable names.
func (t *Type) Register(r worker.Registry) {
	r.RegisterWorkflowWithOptions(t.workflow, workflow.RegisterOptions{Name: t.name})
	for _, a := range t.activities {
		r.RegisterActivityWithOptions(a.fn, activity.RegisterOptions{Name: a.name})
	}
}

// RegisterActivities registers every task type's activities, without
// the workflows: what a worker of activities alone (the test queue's)
// needs.
func (r *Registry) RegisterActivities(w worker.ActivityRegistry) {
	for _, t := range r.types {
		for _, a := range t.activities {
			w.RegisterActivityWithOptions(a.fn, activity.RegisterOptions{Name: a.name})
		}
	}
}

// RegisterWorkflows registers every task type's workflow, without its
// activities: what a workflow replayer needs.
func (r *Registry) RegisterWorkflows(w worker.WorkflowRegistry) {
	for _, t := range r.types {
		w.RegisterWorkflowWithOptions(t.workflow, workflow.RegisterOptions{Name: t.name})
	}
}

// Registry holds every task type, in the order they were added.
type Registry struct {
	types  []*Type
	byName map[string]*Type
	// unavailable are types this stack knows but cannot run, with why.
	unavailable map[string]string
}

// NewRegistry returns a registry of the given types. A duplicate name or an
// activity name used by two types is an error.
func NewRegistry(types ...*Type) (*Registry, error) {
	r := &Registry{byName: make(map[string]*Type, len(types))}
	activities := map[string]string{}
	for _, t := range types {
		if t.name == "" {
			return nil, fmt.Errorf("task type with empty name")
		}
		if _, dup := r.byName[t.name]; dup {
			return nil, fmt.Errorf("task type %q registered twice", t.name)
		}
		for _, a := range t.activities {
			if other, dup := activities[a.name]; dup {
				return nil, fmt.Errorf("activity %q registered by both %q and %q", a.name, other, t.name)
			}
			activities[a.name] = t.name
		}
		r.byName[t.name] = t
		r.types = append(r.types, t)
	}
	return r, nil
}

// Get returns the task type with that name.
func (r *Registry) Get(name string) (*Type, bool) {
	t, ok := r.byName[name]
	return t, ok
}

// SetUnavailable marks task types this stack knows but cannot run (they
// are not in the registry), with the reason a submit of one is told.
func (r *Registry) SetUnavailable(reason string, names ...string) {
	if r.unavailable == nil {
		r.unavailable = map[string]string{}
	}
	for _, n := range names {
		if _, ok := r.byName[n]; !ok {
			r.unavailable[n] = reason
		}
	}
}

// Unavailable says why a task type that is not in the registry cannot
// run here; false if this stack does not know it at all.
func (r *Registry) Unavailable(name string) (reason string, ok bool) {
	reason, ok = r.unavailable[name]
	return reason, ok
}

// Names returns the names of all task types, in registration order.
func (r *Registry) Names() []string {
	names := make([]string, len(r.types))
	for i, t := range r.types {
		names[i] = t.name
	}
	return names
}

// Types returns all task types, in registration order.
func (r *Registry) Types() []*Type { return slices.Clone(r.types) }

// Register registers every task type on a worker.
func (r *Registry) Register(w worker.Registry) {
	for _, t := range r.types {
		t.Register(w)
	}
}
