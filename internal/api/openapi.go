package api

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
)

// The OpenAPI 3.1 description of the API, served at GET /openapi.json, is
// made from the route table (Server.routes): each route's op says what it
// takes and answers, naming the Go types its handler writes, which are
// reflected into JSON Schemas here; POST /tasks/submit's body comes from
// the task registry's parameter schemas. Nothing of it is written by hand
// apart from the words.

// access is who may call a route.
type access int

const (
	public access = iota
	// bearer needs Authorization: Bearer <token>.
	bearer
	// gitAuth takes the token as the password of Basic auth (any user
	// name), as git's client sends it, or as a bearer token.
	gitAuth
)

// op is what the description says of one route.
type op struct {
	id, tag, summary, description string
	// params are the query and header parameters; path parameters are
	// found in the path, and described here only to add words.
	params []param
	// body is the request body's schema; bodyType its media type, default
	// application/json. A route without either takes no body.
	body     *jsonschema.Schema
	bodyType string
	// responses are the answers but problems.
	responses []response
	// problems are the statuses answered with problem+json. A bearer
	// route's 401 and every route's 500 are added.
	problems []int
}

// param is a query, header or path parameter.
type param struct {
	in, name, description string
	schema                *jsonschema.Schema
	required              bool
}

func query(name, description string, schema *jsonschema.Schema) param {
	return param{in: "query", name: name, description: description, schema: schema}
}

// response is one status's answer: a JSON body of body's type (a Go
// value, reflected, or a *jsonschema.Schema), or another media type.
type response struct {
	status      int
	description string
	body        any
	// mediaTypes, when set, are the body's media types; default JSON.
	mediaTypes []string
	headers    map[string]string
	// csv adds text/csv beside the JSON body, for clients that ask for it
	// with Accept.
	csv bool
}

func jsonResponse(status int, description string, body any) response {
	return response{status: status, description: description, body: body}
}

// document is an OpenAPI 3.1 document, as much of it as this API uses.
type document struct {
	OpenAPI    string                           `json:"openapi"`
	Info       map[string]string                `json:"info"`
	Tags       []map[string]string              `json:"tags"`
	Paths      map[string]map[string]*operation `json:"paths"`
	Components components                       `json:"components"`
}

type components struct {
	Schemas         map[string]*jsonschema.Schema `json:"schemas"`
	SecuritySchemes map[string]any                `json:"securitySchemes"`
}

type operation struct {
	OperationID string                    `json:"operationId"`
	Tags        []string                  `json:"tags"`
	Summary     string                    `json:"summary"`
	Description string                    `json:"description,omitempty"`
	Security    []map[string][]string     `json:"security"`
	Parameters  []parameter               `json:"parameters,omitempty"`
	RequestBody *requestBody              `json:"requestBody,omitempty"`
	Responses   map[string]responseObject `json:"responses"`
}

type parameter struct {
	Name        string             `json:"name"`
	In          string             `json:"in"`
	Description string             `json:"description,omitempty"`
	Required    bool               `json:"required,omitempty"`
	Schema      *jsonschema.Schema `json:"schema"`
}

type requestBody struct {
	Required bool                 `json:"required"`
	Content  map[string]mediaType `json:"content"`
}

type mediaType struct {
	Schema *jsonschema.Schema `json:"schema,omitempty"`
}

type responseObject struct {
	Description string               `json:"description"`
	Headers     map[string]any       `json:"headers,omitempty"`
	Content     map[string]mediaType `json:"content,omitempty"`
}

// tags order the description's operations.
var tags = []map[string]string{
	{"name": "tasks", "description": "Submit tasks, follow them, read their results and cancel them."},
	{"name": "task types", "description": "The task types, with the JSON Schema of their parameters."},
	{"name": "courses", "description": "What the course tasks made, as far as the caller may see it."},
	{"name": "git", "description": "The course repositories over git's smart HTTP protocol (clone, fetch, push)."},
	{"name": "service", "description": "Health, readiness, keys and this description."},
}

// problemStatuses are the words for each problem status.
var problemStatuses = map[int]string{
	http.StatusBadRequest:            "The request is malformed.",
	http.StatusUnauthorized:          "No valid token.",
	http.StatusForbidden:             "The caller may not do this.",
	http.StatusNotFound:              "Not found, or not visible to the caller.",
	http.StatusMethodNotAllowed:      "The method does not fit the endpoint.",
	http.StatusConflict:              "The request conflicts with the state of the resource.",
	http.StatusRequestEntityTooLarge: "The request body is too large.",
	http.StatusUnprocessableEntity:   "Fields do not fit; errors names each.",
	http.StatusTooManyRequests:       "Too many lately; retry_after (and the Retry-After header) says when to try again.",
	http.StatusInternalServerError:   "Internal error: a bug, logged.",
	http.StatusServiceUnavailable:    "A part of the platform is unavailable; try again later.",
}

// schemaOptions reflect Go types as encoding/json writes them.
var schemaOptions = &jsonschema.ForOptions{TypeSchemas: map[reflect.Type]*jsonschema.Schema{
	reflect.TypeFor[time.Time]():       {Type: "string", Format: "date-time"},
	reflect.TypeFor[json.RawMessage](): {}, // any JSON value
}}

// specBuilder collects the named schemas of a description.
type specBuilder struct {
	schemas map[string]*jsonschema.Schema
	types   map[string]reflect.Type
	err     error
}

// schemaOf returns the schema of a response body: a *jsonschema.Schema as
// it is, or a Go value's type reflected. A struct type (or a slice of one)
// becomes a named component, referred to.
func (b *specBuilder) schemaOf(v any) *jsonschema.Schema {
	if s, ok := v.(*jsonschema.Schema); ok {
		return s
	}
	t := reflect.TypeOf(v)
	if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct {
		return &jsonschema.Schema{Type: "array", Items: b.named(t.Elem())}
	}
	if t.Kind() == reflect.Struct {
		return b.named(t)
	}
	s, err := jsonschema.ForType(t, schemaOptions)
	if err != nil && b.err == nil {
		b.err = err
	}
	return s
}

// named reflects a struct type into the components under its Go name and
// returns a reference to it.
func (b *specBuilder) named(t reflect.Type) *jsonschema.Schema {
	name := t.Name()
	if prev, ok := b.types[name]; ok && prev != t && b.err == nil {
		b.err = fmt.Errorf("openapi: two types named %s: %s and %s", name, prev, t)
	}
	if _, ok := b.schemas[name]; !ok {
		s, err := jsonschema.ForType(t, schemaOptions)
		if err != nil && b.err == nil {
			b.err = err
		}
		b.schemas[name] = s
		b.types[name] = t
	}
	return ref(name)
}

func ref(name string) *jsonschema.Schema {
	return &jsonschema.Schema{Ref: "#/components/schemas/" + name}
}

// openAPI describes routes.
func (s *Server) openAPI(routes []route) (*document, error) {
	b := &specBuilder{schemas: map[string]*jsonschema.Schema{}, types: map[string]reflect.Type{}}
	doc := &document{
		OpenAPI: "3.1.0",
		Info: map[string]string{
			"title":   "Computor Tasks API",
			"version": buildVersion(),
			"description": "The durable task service of Computor: submit tasks, follow them and read their results; " +
				"the course tasks' organizations, courses, members, assignments and test results; the course " +
				"repositories over git. Send the token as `Authorization: Bearer <token>`. Every error is an RFC 9457 " +
				"`application/problem+json` body.",
		},
		Tags:  tags,
		Paths: map[string]map[string]*operation{},
		Components: components{
			Schemas: b.schemas,
			SecuritySchemes: map[string]any{
				"bearer": map[string]string{"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
					"description": "A token of Computor's key (computor token, or .computor/dev-token in dev)."},
				"basic": map[string]string{"type": "http", "scheme": "basic",
					"description": "git's client: the token as the password, any user name."},
			},
		},
	}
	problemRef := b.schemaOf(Problem{})
	for _, rt := range routes {
		method, path, _ := strings.Cut(rt.pattern, " ")
		o := rt.op
		out := &operation{
			OperationID: o.id,
			Tags:        []string{o.tag},
			Summary:     o.summary,
			Description: o.description,
			Security:    []map[string][]string{}, // public
			Responses:   map[string]responseObject{},
		}
		switch rt.auth {
		case bearer:
			out.Security = []map[string][]string{{"bearer": {}}}
		case gitAuth:
			out.Security = []map[string][]string{{"basic": {}}, {"bearer": {}}}
		}
		out.Parameters = pathParams(path, o.params)
		for _, p := range o.params {
			if p.in != "path" {
				out.Parameters = append(out.Parameters, parameter{Name: p.name, In: p.in, Description: p.description, Required: p.required, Schema: p.schema})
			}
		}
		if o.body != nil || o.bodyType != "" {
			out.RequestBody = &requestBody{Required: true, Content: map[string]mediaType{cmp.Or(o.bodyType, "application/json"): {Schema: o.body}}}
		}
		for _, r := range o.responses {
			ro := responseObject{Description: r.description}
			switch {
			case len(r.mediaTypes) > 0:
				ro.Content = map[string]mediaType{}
				for _, mt := range r.mediaTypes {
					ro.Content[mt] = mediaType{Schema: schemaOrNil(b, r.body)}
				}
			case r.body != nil:
				ro.Content = map[string]mediaType{"application/json": {Schema: b.schemaOf(r.body)}}
			}
			if r.csv {
				ro.Content["text/csv"] = mediaType{Schema: &jsonschema.Schema{Type: "string"}}
			}
			for name, desc := range r.headers {
				if ro.Headers == nil {
					ro.Headers = map[string]any{}
				}
				ro.Headers[name] = map[string]any{"description": desc, "schema": map[string]string{"type": "string"}}
			}
			out.Responses[fmt.Sprint(r.status)] = ro
		}
		problems := append([]int{http.StatusInternalServerError}, o.problems...)
		if rt.auth != public {
			problems = append(problems, http.StatusUnauthorized)
		}
		for _, status := range problems {
			ro := responseObject{
				Description: problemStatuses[status],
				Content:     map[string]mediaType{"application/problem+json": {Schema: problemRef}},
			}
			if status == http.StatusUnauthorized {
				ro.Headers = map[string]any{"WWW-Authenticate": map[string]any{
					"description": "The scheme to authenticate with (Bearer; Basic for git).",
					"schema":      map[string]string{"type": "string"}}}
			}
			out.Responses[fmt.Sprint(status)] = ro
		}
		if doc.Paths[path] == nil {
			doc.Paths[path] = map[string]*operation{}
		}
		m := strings.ToLower(method)
		if doc.Paths[path][m] != nil {
			return nil, fmt.Errorf("openapi: %s described twice", rt.pattern)
		}
		doc.Paths[path][m] = out
	}
	s.submitSchemas(b)
	return doc, b.err
}

func schemaOrNil(b *specBuilder, v any) *jsonschema.Schema {
	if v == nil {
		return nil
	}
	return b.schemaOf(v)
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// pathParams describes the parameters of a path, with the words of params.
func pathParams(path string, params []param) []parameter {
	var out []parameter
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		p := parameter{Name: m[1], In: "path", Required: true, Schema: &jsonschema.Schema{Type: "string"}}
		for _, given := range params {
			if given.in == "path" && given.name == p.Name {
				p.Description = given.description
				if given.schema != nil {
					p.Schema = given.schema
				}
			}
		}
		out = append(out, p)
	}
	return out
}

// submitSchemas adds the body of POST /tasks/submit: one schema per task
// type, SubmitParams with the type's name as task_name and its parameter
// schema as parameters, told apart by task_name.
func (s *Server) submitSchemas(b *specBuilder) {
	base, err := jsonschema.For[SubmitParams](schemaOptions)
	if err != nil {
		b.err = err
		return
	}
	// decodeSubmit needs task_name only; the rest have defaults.
	base.Required = []string{"task_name"}
	base.Properties["priority"].Description = "The queue: above 5 the high-priority one, below 0 the low-priority one. Default 0."
	base.Properties["delay"].Description = "Start the task this many seconds later. Default 0."
	base.Properties["delay"].Minimum = jsonschema.Ptr(0.0)
	base.Properties["delay"].Maximum = jsonschema.Ptr(MaxDelay.Seconds())
	oneOf := []*jsonschema.Schema{}
	mapping := map[string]string{}
	names := s.registry.Names()
	sort.Strings(names)
	for _, name := range names {
		t, _ := s.registry.Get(name)
		params, err := schemaFromMap(t.Schema())
		if err != nil {
			b.err = fmt.Errorf("openapi: parameters of %s: %w", name, err)
			return
		}
		params.Schema = "" // the document's dialect, 2020-12, too
		v := base.CloneSchemas()
		v.Description = t.Description() + " " + t.Access()
		v.Properties["task_name"] = &jsonschema.Schema{Const: jsonschema.Ptr[any](name)}
		v.Properties["parameters"] = params
		component := "Submit." + name
		b.schemas[component] = v
		oneOf = append(oneOf, ref(component))
		mapping[name] = ref(component).Ref
	}
	b.schemas["SubmitParams"] = &jsonschema.Schema{
		Description: "A task to start: task_name names its type, parameters are that type's.",
		OneOf:       oneOf,
		Extra:       map[string]any{"discriminator": map[string]any{"propertyName": "task_name", "mapping": mapping}},
	}
}

// schemaFromMap turns a JSON Schema held as a map into a Schema.
func schemaFromMap(m map[string]any) (*jsonschema.Schema, error) {
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var s jsonschema.Schema
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// buildVersion is the binary's module version or VCS revision.
func buildVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return s.Value[:12]
		}
	}
	return "dev"
}

// openAPIJSON is the description of the API as served, made once.
func (s *Server) openAPIJSON() ([]byte, error) {
	s.specOnce.Do(func() {
		doc, err := s.openAPI(s.routes())
		if err != nil {
			s.specErr = err
			return
		}
		s.spec, s.specErr = json.MarshalIndent(doc, "", "  ")
	})
	return s.spec, s.specErr
}

func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request) error {
	spec, err := s.openAPIJSON()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(spec)
	return nil
}
