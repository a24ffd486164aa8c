package client

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// testSchema has a parameter of each kind the catalog uses: the schemas of
// example_long_running, example_error_handling and release_course, plus an
// object and a nullable integer.
const testSchema = `{
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "duration": {"type": "integer", "minimum": 0, "maximum": 3600},
    "message": {"type": "string"},
    "ratio": {"type": "number"},
    "should_fail": {"type": "boolean"},
    "error_type": {"type": "string", "enum": ["retryable", "non_retryable", "timeout"]},
    "contents": {"oneOf": [{"const": "all"}, {"type": "array", "items": {"type": "string"}}]},
    "students": {"type": "array", "items": {"type": "object", "properties": {"username": {"type": "string"}}}},
    "options": {"type": "object", "properties": {"depth": {"type": "integer"}, "name": {"type": "string"}}},
    "limit": {"type": ["integer", "null"]}
  },
  "required": []
}`

func TestBuildParams(t *testing.T) {
	t.Parallel()
	var schema map[string]any
	if err := json.Unmarshal([]byte(testSchema), &schema); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		base string // a --params-file's object; "" for none
		sets []string
		want string // the parameters, as JSON
	}{
		{name: "none", want: `{}`},
		{name: "integer", sets: []string{"duration=30"}, want: `{"duration":30}`},
		{name: "string stays as written", sets: []string{"message=30"}, want: `{"message":"30"}`},
		{name: "string with equals and spaces", sets: []string{"message= a=b "}, want: `{"message":" a=b "}`},
		{name: "empty string", sets: []string{"message="}, want: `{"message":""}`},
		{name: "json-looking string", sets: []string{`message={"a":1}`}, want: `{"message":"{\"a\":1}"}`},
		{name: "number", sets: []string{"ratio=0.25"}, want: `{"ratio":0.25}`},
		{name: "integer given to number", sets: []string{"ratio=2"}, want: `{"ratio":2}`},
		{name: "big integer keeps its digits", sets: []string{"duration=12345678901234567890"}, want: `{"duration":12345678901234567890}`},
		{name: "boolean", sets: []string{"should_fail=true"}, want: `{"should_fail":true}`},
		{name: "boolean false", sets: []string{"should_fail=false"}, want: `{"should_fail":false}`},
		{name: "boolean spelled otherwise", sets: []string{"should_fail=TRUE"}, want: `{"should_fail":true}`},
		{name: "enum", sets: []string{"error_type=timeout"}, want: `{"error_type":"timeout"}`},
		{name: "oneOf const", sets: []string{"contents=all"}, want: `{"contents":"all"}`},
		{name: "oneOf array", sets: []string{`contents=["sum","hello"]`}, want: `{"contents":["sum","hello"]}`},
		{name: "array of objects", sets: []string{`students=[{"username":"alice"}]`}, want: `{"students":[{"username":"alice"}]}`},
		{name: "object", sets: []string{`options={"depth":2}`}, want: `{"options":{"depth":2}}`},
		{name: "dotted key", sets: []string{"options.depth=2", "options.name=x"}, want: `{"options":{"depth":2,"name":"x"}}`},
		{name: "dotted key into a file's object", base: `{"options":{"name":"x"}}`, sets: []string{"options.depth=3"}, want: `{"options":{"depth":3,"name":"x"}}`},
		{name: "type list with null", sets: []string{"limit=null"}, want: `{"limit":null}`},
		{name: "type list with integer", sets: []string{"limit=5"}, want: `{"limit":5}`},
		// What does not fit is sent as a string, for the API to name.
		{name: "not an integer", sets: []string{"duration=abc"}, want: `{"duration":"abc"}`},
		{name: "not a boolean", sets: []string{"should_fail=maybe"}, want: `{"should_fail":"maybe"}`},
		{name: "not an array", sets: []string{"students=alice"}, want: `{"students":"alice"}`},
		{name: "a number for an array", sets: []string{"students=3"}, want: `{"students":"3"}`},
		{name: "unknown key", sets: []string{"bogus=1"}, want: `{"bogus":"1"}`},
		{name: "unknown dotted key", sets: []string{"a.b=1"}, want: `{"a":{"b":"1"}}`},
		{name: "file only", base: `{"duration":5,"message":"m"}`, want: `{"duration":5,"message":"m"}`},
		{name: "-p overrides the file", base: `{"duration":5,"message":"m"}`, sets: []string{"duration=7"}, want: `{"duration":7,"message":"m"}`},
		{name: "later -p wins", sets: []string{"duration=1", "duration=2"}, want: `{"duration":2}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var base map[string]any
			if c.base != "" {
				var err error
				if base, err = ReadParamsFile(strings.NewReader(c.base), "test.json"); err != nil {
					t.Fatal(err)
				}
			}
			got, err := BuildParams(schema, base, c.sets)
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			if !jsonEqual(t, b, []byte(c.want)) {
				t.Errorf("BuildParams(%q) = %s, want %s", c.sets, b, c.want)
			}
		})
	}
}

func TestBuildParamsWithoutSchema(t *testing.T) {
	t.Parallel()
	got, err := BuildParams(nil, nil, []string{"duration=30", "flag=true"})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"duration": "30", "flag": "true"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v: without a schema every value is a string", got, want)
	}
}

func TestBuildParamsErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		sets []string
		want string
	}{
		{[]string{"duration"}, `-p "duration": want key=value`},
		{[]string{"=3"}, `want key=value`},
		{[]string{"a..b=1"}, "empty name"},
		{[]string{"a=1", "a.b=2"}, "a is not an object"},
	} {
		_, err := BuildParams(nil, nil, c.sets)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("BuildParams(%q): error %v, want one containing %q", c.sets, err, c.want)
		}
	}
}

func TestBuildParamsKeepsTheFile(t *testing.T) {
	t.Parallel()
	base := map[string]any{"duration": json.Number("5")}
	if _, err := BuildParams(nil, base, []string{"duration=6"}); err != nil {
		t.Fatal(err)
	}
	if base["duration"] != json.Number("5") {
		t.Errorf("the file's object changed: %v", base)
	}
}

func TestReadParamsFile(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{``, `null`, `[1]`, `"x"`, `{"a":1} {"b":2}`, `{"a":`} {
		if _, err := ReadParamsFile(strings.NewReader(bad), "f.json"); err == nil || !strings.Contains(err.Error(), "--params-file f.json") {
			t.Errorf("ReadParamsFile(%q): error %v, want one naming the file", bad, err)
		}
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return reflect.DeepEqual(x, y)
}
