package auth

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestClaimsRoles(t *testing.T) {
	c := &Claims{Subject: "alice", Roles: []string{"lecturer", "admin"}}
	plain := &Claims{Subject: "bob", Roles: []string{"student"}}
	var nilClaims *Claims

	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"HasRole present", c.HasRole("lecturer"), true},
		{"HasRole absent", c.HasRole("student"), false},
		{"HasRole case-sensitive", c.HasRole("Admin"), false},
		{"HasRole empty role", (&Claims{Roles: []string{""}}).HasRole(""), false},
		{"IsAdmin admin", c.IsAdmin(), true},
		{"IsAdmin non-admin", plain.IsAdmin(), false},
		{"HasAnyRole one matches", plain.HasAnyRole("admin", "student"), true},
		{"HasAnyRole none match", plain.HasAnyRole("admin", "lecturer"), false},
		{"HasAnyRole no roles given", c.HasAnyRole(), false},
		{"nil HasRole", nilClaims.HasRole("admin"), false},
		{"nil IsAdmin", nilClaims.IsAdmin(), false},
		{"nil HasAnyRole", nilClaims.HasAnyRole("admin"), false},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestRoleListUnmarshal(t *testing.T) {
	tests := []struct {
		json    string
		want    []string
		wantErr bool
	}{
		{`{"roles":["a","b"]}`, []string{"a", "b"}, false},
		{`{"roles":"admin"}`, []string{"admin"}, false},
		{`{"roles":""}`, nil, false},
		{`{"roles":[]}`, []string{}, false},
		{`{"roles":null}`, nil, false},
		{`{}`, nil, false},
		{`{"roles":42}`, nil, true},
		{`{"roles":["a",1]}`, nil, true},
		{`{"roles":{"a":true}}`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.json, func(t *testing.T) {
			var tc tokenClaims
			err := json.Unmarshal([]byte(tt.json), &tc)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && !slices.Equal(tc.Roles, tt.want) {
				t.Errorf("roles = %q, want %q", tc.Roles, tt.want)
			}
		})
	}
}
