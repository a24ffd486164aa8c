package api

import (
	"fmt"
	"net/http"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
)

// route is one operation of the API: Handler registers its handler, and
// /openapi.json describes it with op, from the one list of Server.routes.
type route struct {
	// pattern is the method and path, as the mux and the description
	// write them ("GET /tasks/{id}").
	pattern string
	auth    access
	handler http.Handler
	op      op
	// mux, when set, is the pattern registered instead of pattern: one
	// shared by the routes that one handler serves (git's, whose paths the
	// mux cannot pattern), or one the mux can tell from the others (see
	// serveResultRoute).
	mux string
}

// routes lists every route the server serves: the routes of the store and
// of git only when the server has them.
func (s *Server) routes() []route {
	str := &jsonschema.Schema{Type: "string"}
	status := map[string]string{"status": ""}
	rs := []route{
		{pattern: "GET /healthz", auth: public, handler: s.adapt(s.serveHealthz), op: op{
			id: "healthz", tag: "service", summary: "Liveness: the API answers",
			responses: []response{jsonResponse(200, `Always {"status": "ok"}.`, status)},
		}},
		{pattern: "GET /readyz", auth: public, handler: s.adapt(s.serveReadyz), op: op{
			id: "readyz", tag: "service", summary: "Readiness: Temporal answers and the engine's database syncs",
			responses: []response{jsonResponse(200, `Ready: {"status": "ready"}.`, status)},
			problems:  []int{503},
		}},
		{pattern: "GET /openapi.json", auth: public, handler: s.adapt(s.serveOpenAPI), op: op{
			id: "openapi", tag: "service", summary: "This description of the API (OpenAPI 3.1)",
			responses: []response{jsonResponse(200, "The OpenAPI document.", &jsonschema.Schema{Type: "object"})},
		}},
		{pattern: "GET /docs", auth: public, handler: s.adapt(s.serveDocs), op: op{
			id: "docs", tag: "service", summary: "Interactive documentation of this description (Swagger UI)",
			responses: []response{{status: 200, description: "The page.", mediaTypes: []string{"text/html"}}},
		}},
		{pattern: "GET /docs/{file}", auth: public, handler: s.adapt(s.serveDocsFile), op: op{
			id: "docsFile", tag: "service", summary: "The files of the documentation page",
			responses: []response{{status: 200, description: "The file.", mediaTypes: []string{"*/*"}}},
			problems:  []int{404},
		}},
	}
	if s.jwks != nil {
		rs = append(rs, route{pattern: "GET /.well-known/jwks.json", auth: public, handler: http.HandlerFunc(s.serveJWKS), op: op{
			id: "jwks", tag: "service", summary: "The public key of Computor's tokens (RFC 7517), for a Temporal server to verify them",
			responses: []response{{status: 200, description: "The key set.", mediaTypes: []string{"application/jwk-set+json"}, body: &jsonschema.Schema{
				Type: "object", Required: []string{"keys"},
				Properties: map[string]*jsonschema.Schema{"keys": {Type: "array", Items: &jsonschema.Schema{Type: "object"}}},
			}}},
		}})
	}

	taskID := param{in: "path", name: "id", description: "The task's id, as the submit answered it."}
	rs = append(rs,
		route{pattern: "POST /tasks/submit", auth: bearer, handler: s.adapt(s.serveSubmit), op: op{
			id: "submitTask", tag: "tasks", summary: "Submit a task",
			description: "Starts a task of a registered type (GET /tasks/types) with its parameters. Retry a submit only " +
				"with an Idempotency-Key: a submit that failed (a timeout, a 5xx) may still have started its task. " +
				"A 503 whose task started carries its task_id.",
			params: []param{{in: "header", name: "Idempotency-Key", schema: &jsonschema.Schema{Type: "string", MaxLength: jsonschema.Ptr(MaxIdempotencyKeyLen)},
				description: "A retried submit with the same key (of the same user) returns the same task and starts nothing new."}},
			body:      ref("SubmitParams"),
			responses: []response{{status: 202, description: "Submitted.", body: SubmitResponse{}, headers: map[string]string{"Location": "The task: /tasks/{id}."}}},
			problems:  []int{400, 403, 413, 422, 429, 503},
		}},
		route{pattern: "GET /tasks", auth: bearer, handler: s.adapt(s.serveList), op: op{
			id: "listTasks", tag: "tasks", summary: "List tasks, filtered and paged",
			description: "Running tasks first, newest first, then ended ones by the time they ended. A user sees their " +
				"own tasks, an admin everyone's. A filter on QUEUED or STARTED applies to each page, so such a page " +
				"may hold fewer than limit tasks while more follow.",
			params: []param{
				query("status", "Only tasks of this status (any case).", &jsonschema.Schema{Type: "string", Enum: anys(StatusQueued, StatusStarted, StatusFinished, StatusFailed, StatusCancelled)}),
				query("task_name", "Only tasks of this type.", &jsonschema.Schema{Type: "string", Enum: anys(s.registry.Names()...)}),
				query("queue", "Only tasks on this queue.", &jsonschema.Schema{Type: "string", Enum: anys(tasks.Queues()...)}),
				query("submitter", "Only tasks of this user (an admin's filter; others see only their own).", str),
				query("limit", "Tasks per page.", &jsonschema.Schema{Type: "integer", Minimum: jsonschema.Ptr(1.0), Maximum: jsonschema.Ptr(float64(MaxPageSize)), Default: []byte(fmt.Sprint(DefaultPageSize))}),
				query("cursor", "The next_cursor of the page before.", str),
			},
			responses: []response{jsonResponse(200, "A page of tasks.", TaskList{})},
			problems:  []int{422, 503},
		}},
		route{pattern: "GET /tasks/types", auth: bearer, handler: s.adapt(s.serveTypes), op: op{
			id: "listTaskTypes", tag: "task types", summary: "The names of the task types",
			responses: []response{jsonResponse(200, "The names.", []string{})},
		}},
		route{pattern: "GET /tasks/types/{name}", auth: bearer, handler: s.adapt(s.serveType), op: op{
			id: "getTaskType", tag: "task types", summary: "A task type: description, JSON Schema of its parameters, who may submit it",
			responses: []response{jsonResponse(200, "The task type.", TaskType{})},
			problems:  []int{404, 503},
		}},
		route{pattern: "GET /tasks/workers/status", auth: bearer, handler: s.adapt(s.serveWorkersStatus), op: op{
			id: "getWorkersStatus", tag: "tasks", summary: "The workers polling each queue, the backlogs and each worker's sandbox (admins)",
			responses: []response{jsonResponse(200, "What Temporal knows of the queues.", WorkersStatus{})},
			problems:  []int{403, 503},
		}},
		route{pattern: "GET /tasks/{id}", auth: bearer, handler: s.adapt(s.serveTask), op: op{
			id: "getTask", tag: "tasks", summary: "A task's status, with its progress while it runs",
			params:    []param{taskID},
			responses: []response{jsonResponse(200, "The task.", TaskInfo{})},
			problems:  []int{404, 503},
		}},
		route{pattern: "GET /tasks/{id}/result", mux: "GET /tasks/{id}/{sub}", auth: bearer, handler: s.adapt(s.serveResultRoute), op: op{
			id: "getTaskResult", tag: "tasks", summary: "A task's result, long-polled with wait",
			params: []param{taskID, query("wait", fmt.Sprintf("Wait up to this long for the task to end: a duration (30s) or seconds, at most %s.", MaxWait), str), formatParam},
			responses: []response{
				jsonResponse(200, "The task ended: its result, or its error.", TaskResult{}),
				jsonResponse(202, "The task is queued or running still.", TaskResult{}),
			},
			problems: []int{404, 422, 503},
		}},
		route{pattern: "POST /tasks/{id}/cancel", auth: bearer, handler: s.adapt(s.serveCancel), op: op{
			id: "cancelTask", tag: "tasks", summary: "Cancel a queued or running task",
			params:    []param{taskID},
			responses: []response{jsonResponse(202, "Cancellation requested.", CancelResponse{})},
			problems:  []int{404, 409, 503},
		}},
	)

	if s.store != nil {
		course := param{in: "path", name: "id", description: "The course, by id or path (organization.family.course)."}
		rs = append(rs,
			route{pattern: "GET /organizations", auth: bearer, handler: s.adapt(s.serveOrganizations), op: op{
				id: "listOrganizations", tag: "courses", summary: "The organizations of the caller's courses (an admin's: all)",
				responses: []response{jsonResponse(200, "The organizations.", []store.Organization{})},
			}},
			route{pattern: "GET /course-families", auth: bearer, handler: s.adapt(s.serveCourseFamilies), op: op{
				id: "listCourseFamilies", tag: "courses", summary: "The course families of the caller's courses (an admin's: all)",
				responses: []response{jsonResponse(200, "The course families.", []store.CourseFamily{})},
			}},
			route{pattern: "GET /courses", auth: bearer, handler: s.adapt(s.serveCourses), op: op{
				id: "listCourses", tag: "courses", summary: "The courses the caller is a member of (an admin's: all)",
				responses: []response{jsonResponse(200, "The courses.", []store.Course{})},
			}},
			route{pattern: "GET /courses/{id}/members", auth: bearer, handler: s.adapt(s.serveCourseMembers), op: op{
				id: "listCourseMembers", tag: "courses", summary: "A course's members: all for staff, a student's own membership for a student",
				params:    []param{course},
				responses: []response{jsonResponse(200, "The members.", []store.CourseMember{})},
				problems:  []int{404},
			}},
			route{pattern: "GET /courses/{id}/contents", auth: bearer, handler: s.adapt(s.serveCourseContents), op: op{
				id: "listCourseContents", tag: "courses", summary: "A course's assignments",
				params:    []param{course},
				responses: []response{jsonResponse(200, "The assignments.", []store.CourseContent{})},
				problems:  []int{404},
			}},
			route{pattern: "GET /courses/{id}/grades", auth: bearer, handler: s.adapt(s.serveGrades), op: op{
				id: "getGrades", tag: "courses", summary: "The gradebook: one row per student (a student: their own), one cell per released assignment; Accept: text/csv for CSV",
				params:    []param{course},
				responses: []response{{status: 200, description: "The gradebook.", body: Gradebook{}, csv: true}},
				problems:  []int{404},
			}},
			route{pattern: "GET /courses/{id}/queue", auth: bearer, handler: s.adapt(s.serveTestQueue), op: op{
				id: "getTestQueue", tag: "courses", summary: "The course's test runs waiting and running, the same for all courses, the test queue's backlog, and the recent throughput and mean wait (staff)",
				params:    []param{course},
				responses: []response{jsonResponse(200, "The test queue.", TestQueue{})},
				problems:  []int{403, 404},
			}},
			route{pattern: "GET /results", auth: bearer, handler: s.adapt(s.serveResults), op: op{
				id: "listResults", tag: "courses", summary: "Test results, newest first: an admin's all, staff their courses', a student their own",
				params: []param{
					query("course", "Only this course's, by id or path.", str),
					query("member", "Only this course member's (a UUID).", &jsonschema.Schema{Type: "string", Format: "uuid"}),
					query("content", "Only this assignment's, by path (needs course).", str),
					query("limit", "At most this many.", &jsonschema.Schema{Type: "integer", Minimum: jsonschema.Ptr(1.0), Maximum: jsonschema.Ptr(1000.0), Default: []byte("100")}),
					formatParam,
				},
				responses: []response{jsonResponse(200, "The results.", []store.TestResult{})},
				problems:  []int{422},
			}},
		)
	}
	if s.git != nil && s.store != nil {
		rs = append(rs, gitRoutes(s.git.Handler("/git/", s.authorizeGit, s.writeError))...)
	}
	return rs
}

// gitRoutes are the smart HTTP protocol's three endpoints for a course's
// repositories (assignments, student-template) and for a student's, all
// served by h under /git/. git authenticates itself: the token is the
// password of Basic auth, or a bearer token.
func gitRoutes(h http.Handler) []route {
	repos := []struct{ path, what, id string }{
		{"/git/{organization}/{family}/{course}/{repository}.git", "a course repository", "Course"},
		{"/git/{organization}/{family}/{course}/students/{username}.git", "a student's repository", "Student"},
	}
	var rs []route
	for _, repo := range repos {
		params := []param{
			{in: "path", name: "repository", schema: &jsonschema.Schema{Type: "string", Enum: anys("assignments", "student-template")}},
			{in: "path", name: "username", description: "The student's username."},
		}
		endpoints := []struct {
			method, path, id, summary, service string
			problems                           []int
		}{
			{"GET", "/info/refs", "InfoRefs", "The refs of %s (the first request of a clone, fetch or push)", "", []int{403, 404, 405}},
			{"POST", "/git-upload-pack", "UploadPack", "Fetch from %s", "git-upload-pack", []int{403, 404, 405, 413}},
			{"POST", "/git-receive-pack", "ReceivePack", "Push to %s (staff to assignments, a student to their own)", "git-receive-pack", []int{403, 404, 405, 413}},
		}
		for _, e := range endpoints {
			o := op{
				id:      "git" + e.id + repo.id,
				tag:     "git",
				summary: fmt.Sprintf(e.summary, repo.what),
				params:  params, problems: e.problems,
			}
			if e.service == "" {
				o.params = append(o.params, param{in: "query", name: "service", required: true,
					schema: &jsonschema.Schema{Type: "string", Enum: anys("git-upload-pack", "git-receive-pack")}})
				o.responses = []response{{status: 200, description: "The advertisement of the service's refs.", mediaTypes: []string{"application/x-git-upload-pack-advertisement", "application/x-git-receive-pack-advertisement"}}}
			} else {
				o.bodyType = "application/x-" + e.service + "-request"
				o.responses = []response{{status: 200, description: "The service's answer.", mediaTypes: []string{"application/x-" + e.service + "-result"}}}
			}
			rs = append(rs, route{pattern: e.method + " " + repo.path + e.path, mux: "/git/", auth: gitAuth, handler: h, op: o})
		}
	}
	return rs
}

func anys[T any](vs ...T) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

func (s *Server) serveJWKS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "max-age=300")
	_, _ = w.Write(s.jwks)
}
