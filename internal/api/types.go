package api

import (
	"net/http"
)

// TaskType is the answer to GET /tasks/types/{name}.
type TaskType struct {
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Parameters  map[string]any `json:"parameters"`
	// Roles may submit the task; empty means any signed-in user.
	Roles []string `json:"roles"`
	// Access says in words who may submit it.
	Access string `json:"access"`
}

func (s *Server) serveTypes(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, s.registry.Names())
	return nil
}

func (s *Server) serveType(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	t, ok := s.registry.Get(name)
	if reason, unavailable := s.registry.Unavailable(name); !ok && unavailable {
		return problem(http.StatusServiceUnavailable, "%s is unavailable on this stack: %s", name, reason)
	}
	if !ok {
		p := problem(http.StatusNotFound, "unknown task type %q", name)
		p.KnownTaskTypes = s.registry.Names()
		return p
	}
	roles := t.Roles()
	if roles == nil {
		roles = []string{}
	}
	writeJSON(w, http.StatusOK, TaskType{Name: t.Name(), Description: t.Description(), Parameters: t.Schema(), Roles: roles, Access: t.Access()})
	return nil
}
