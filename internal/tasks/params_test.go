package tasks

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/computor-org/computor-go/internal/derrors"
)

type testStudent struct {
	Username string `json:"username" param:"required,minlen=1"`
	Group    string `json:"group"`
}

type testParams struct {
	Duration int           `json:"duration" param:"min=0,max=3600" doc:"Seconds to work."`
	Mode     string        `json:"mode" param:"enum=fast|slow"`
	Name     string        `json:"name" param:"required,maxlen=5"`
	Ratio    float64       `json:"ratio" param:"min=0.5"`
	Loud     bool          `json:"loud"`
	Tags     []string      `json:"tags" param:"maxitems=2"`
	Students []testStudent `json:"students"`
}

func (testParams) Kind() string { return "test_task" }

func (p testParams) Validate() error {
	if p.Loud && p.Mode == "slow" {
		return derrors.InvalidField("loud", "cannot be true when mode is slow")
	}
	return nil
}

var testDefaults = testParams{Duration: 10, Mode: "fast", Ratio: 1}

func TestDecodeParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		raw        string
		want       testParams
		wantFields []string
	}{
		{name: "defaults apply", raw: `{"name":"x"}`, want: testParams{Duration: 10, Mode: "fast", Name: "x", Ratio: 1}},
		{name: "overrides", raw: `{"name":"x","duration":0,"mode":"slow","tags":["a"]}`,
			want: testParams{Duration: 0, Mode: "slow", Name: "x", Ratio: 1, Tags: []string{"a"}}},
		{name: "nested", raw: `{"name":"x","students":[{"username":"ada","group":"g1"}]}`,
			want: testParams{Duration: 10, Mode: "fast", Name: "x", Ratio: 1, Students: []testStudent{{Username: "ada", Group: "g1"}}}},
		{name: "null is absent", raw: `{"name":"x","duration":null}`, want: testParams{Duration: 10, Mode: "fast", Name: "x", Ratio: 1}},
		{name: "missing required", raw: `{}`, wantFields: []string{"name"}},
		{name: "null parameters", raw: `null`, wantFields: []string{"name"}},
		{name: "not an object", raw: `[1]`, wantFields: []string{"parameters"}},
		{name: "every bad field", raw: `{"name":"toolong","duration":-1,"mode":"x","ratio":0.1,"tags":["a","b","c"],"extra":1}`,
			wantFields: []string{"duration", "mode", "name", "ratio", "tags", "extra"}},
		{name: "wrong types", raw: `{"name":5,"duration":"10","loud":"yes","duration2":1}`,
			wantFields: []string{"duration", "name", "loud", "duration2"}},
		{name: "fraction for integer", raw: `{"name":"x","duration":1.5}`, wantFields: []string{"duration"}},
		{name: "above max", raw: `{"name":"x","duration":3601}`, wantFields: []string{"duration"}},
		{name: "nested bad", raw: `{"name":"x","students":[{"group":"g"},{"username":"b","x":1}]}`,
			wantFields: []string{"students[0].username", "students[1].x"}},
		{name: "nested not array", raw: `{"name":"x","students":{}}`, wantFields: []string{"students"}},
		{name: "cross-field rule", raw: `{"name":"x","loud":true,"mode":"slow"}`, wantFields: []string{"loud"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := decodeParams(testDefaults, json.RawMessage(tt.raw))
			if tt.wantFields == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("got %+v, want %+v", got, tt.want)
				}
				return
			}
			var verr *derrors.InvalidError
			if !errors.As(err, &verr) {
				t.Fatalf("error = %v, want *derrors.InvalidError", err)
			}
			var fields []string
			for _, f := range verr.Fields {
				fields = append(fields, f.Field)
				if f.Message == "" {
					t.Errorf("field %s has no message", f.Field)
				}
			}
			if !reflect.DeepEqual(fields, tt.wantFields) {
				t.Fatalf("fields = %v, want %v (%v)", fields, tt.wantFields, err)
			}
		})
	}
}

func TestSchemaFor(t *testing.T) {
	t.Parallel()
	s := schemaFor(reflect.ValueOf(testDefaults))
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Type       string   `json:"type"`
		Required   []string `json:"required"`
		Additional bool     `json:"additionalProperties"`
		Properties map[string]struct {
			Type        string   `json:"type"`
			Minimum     *float64 `json:"minimum"`
			Maximum     *float64 `json:"maximum"`
			Default     any      `json:"default"`
			Enum        []string `json:"enum"`
			Description string   `json:"description"`
			Items       *struct {
				Type     string   `json:"type"`
				Required []string `json:"required"`
			} `json:"items"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	d := got.Properties["duration"]
	if got.Type != "object" || got.Additional || d.Type != "integer" || *d.Minimum != 0 || *d.Maximum != 3600 || d.Default != float64(10) || d.Description != "Seconds to work." {
		t.Errorf("duration schema wrong: %s", b)
	}
	if !reflect.DeepEqual(got.Required, []string{"name"}) {
		t.Errorf("required = %v", got.Required)
	}
	if m := got.Properties["mode"]; !reflect.DeepEqual(m.Enum, []string{"fast", "slow"}) || m.Default != "fast" {
		t.Errorf("mode schema wrong: %s", b)
	}
	if st := got.Properties["students"]; st.Type != "array" || st.Items == nil || st.Items.Type != "object" || !reflect.DeepEqual(st.Items.Required, []string{"username"}) {
		t.Errorf("students schema wrong: %s", b)
	}
}

func FuzzDecodeParams(f *testing.F) {
	for _, seed := range []string{`{"name":"x"}`, `{"name":"x","students":[{"username":"a"}]}`, `null`, `[]`, `{"duration":1e400}`, `{"tags":[1,"a"]}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := decodeParams(testDefaults, raw)
		if err != nil {
			var verr *derrors.InvalidError
			if !errors.As(err, &verr) || len(verr.Fields) == 0 {
				t.Fatalf("error is not a derrors.InvalidError naming fields: %v", err)
			}
			return
		}
		// What passed must obey the rules.
		if p.Name == "" || len([]rune(p.Name)) > 5 || p.Duration < 0 || p.Duration > 3600 || (p.Mode != "fast" && p.Mode != "slow") || len(p.Tags) > 2 {
			t.Fatalf("accepted invalid params %+v from %q", p, raw)
		}
	})
}
