package catalog_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/catalog"
	"github.com/computor-org/computor-go/internal/tasks/tasktest"
)

// TestSchemas keeps the JSON Schema of every task type's parameters, the
// contract clients build requests from, as a reviewed file:
// testdata/schema/<kind>.json. Change one on purpose with -update.
func TestSchemas(t *testing.T) {
	t.Parallel()
	reg, err := catalog.New(tasks.Deps{}, true)
	if err != nil {
		t.Fatal(err)
	}
	tasktest.GoldenSchemas(t, reg, "testdata/schema")
}

func TestCatalog(t *testing.T) {
	t.Parallel()
	all, err := catalog.New(tasks.Deps{}, true)
	if err != nil {
		t.Fatal(err)
	}
	without, err := catalog.New(tasks.Deps{}, false)
	if err != nil {
		t.Fatal(err)
	}
	// Without a sandbox, exactly the testing tasks are left out.
	if got, want := len(all.Names())-len(without.Names()), len(catalog.Testing()); got != want || want == 0 {
		t.Errorf("a registry without testing has %d types fewer, want %d", got, want)
	}
	for _, name := range catalog.Testing() {
		if _, ok := without.Get(name); ok {
			t.Errorf("%s is offered without a sandbox", name)
		}
		if _, ok := all.Get(name); !ok {
			t.Errorf("%s is not offered with a sandbox", name)
		}
	}
	for _, typ := range all.Types() {
		if typ.Description() == "" || typ.Access() == "" {
			t.Errorf("%s: description %q, access %q", typ.Name(), typ.Description(), typ.Access())
		}
	}
}

// TestAccess: who passes each task type's gate, the check before the
// parameters are read. The create tasks are the admin's; the rest let
// everyone through, and decide by their parameters (a course membership)
// or not at all.
func TestAccess(t *testing.T) {
	t.Parallel()
	reg, err := catalog.New(tasks.Deps{}, true)
	if err != nil {
		t.Fatal(err)
	}
	adminOnly := []string{"create_organization", "create_course_family", "create_course"}
	for _, typ := range reg.Types() {
		if slices.Contains(adminOnly, typ.Name()) {
			if !slices.Equal(typ.Roles(), []string{"admin"}) || typ.Access() != "admin" {
				t.Errorf("%s: roles %v, access %q; want the admin's", typ.Name(), typ.Roles(), typ.Access())
			}
			tasktest.Gate(t, typ, []tasktest.GateCase{
				{Caller: tasktest.Admin, Allowed: true},
				{Caller: tasktest.Lecturer},
				{Caller: tasktest.Student},
				// The admin role in a token is not enough; the API sets Admin.
				{Caller: tasks.Caller{Subject: "x", Roles: []string{"admin"}}},
			})
			// Refused before Check, which would need the store.
			if err := typ.Admit(t.Context(), tasktest.Lecturer, nil); !errors.Is(err, derrors.Forbidden) {
				t.Errorf("%s: Admit(non-admin) = %v, want forbidden", typ.Name(), err)
			}
			continue
		}
		tasktest.Gate(t, typ, []tasktest.GateCase{
			{Caller: tasktest.Admin, Allowed: true},
			{Caller: tasktest.Lecturer, Allowed: true},
			{Caller: tasktest.Student, Allowed: true},
		})
	}
	for _, name := range []string{"release_course", "release_students"} {
		if typ, _ := reg.Get(name); typ.Access() != course.ReleaseAccess {
			t.Errorf("%s: access %q, want %q", name, typ.Access(), course.ReleaseAccess)
		}
	}
}
