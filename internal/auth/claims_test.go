package auth

import (
	"encoding/json"
	"slices"
	"strings"
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
		{"IsService api", (&Claims{Roles: []string{"student", RoleAPIService}}).IsService(), true},
		{"IsService worker", (&Claims{Roles: []string{RoleWorkerService}}).IsService(), true},
		{"IsService admin", c.IsService(), false},
		{"IsService case-sensitive", (&Claims{Roles: []string{"API-Service"}}).IsService(), false},
		{"nil IsService", nilClaims.IsService(), false},
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

func TestTokenClaimsNumericDates(t *testing.T) {
	tests := []struct {
		json    string
		wantExp int64 // Unix seconds of exp; ignored on error
		wantErr bool
	}{
		{`{"exp":1700000000}`, 1700000000, false},
		{`{"exp":1700000000.75}`, 1700000000, false},
		{`{"exp":1.7e9}`, 1700000000, false},
		{`{"exp":-1}`, -1, false},
		{`{"exp" : 1700000000 }`, 1700000000, false},
		{`{"iat":1700000000,"nbf":1700000000}`, 0, false},
		{`{"sub":"exp","EXPIRES":"x"}`, 0, false}, // other members are not time claims
		{`{"exp":"1700000000"}`, 0, true},
		{`{"exp": "1700000000"}`, 0, true},
		{`{"nbf":"1700000000"}`, 0, true},
		{`{"iat":"1700000000"}`, 0, true},
		{`{"EXP":"1700000000"}`, 0, true},
		{`{"eXp":"1700000000"}`, 0, true},
		{`{"IAT":"1700000000"}`, 0, true},
		{`{"exp":1700000000,"Exp":"1800000000"}`, 0, true},
		{`{"exp":"tomorrow"}`, 0, true},
		{`{"exp":true}`, 0, true},
		{`{"exp":null}`, 0, true},
		{`{"exp":{}}`, 0, true},
		{`{"exp":[1700000000]}`, 0, true},
		{`[]`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.json, func(t *testing.T) {
			var tc tokenClaims
			err := json.Unmarshal([]byte(tt.json), &tc)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if tt.wantExp == 0 {
				if tc.ExpiresAt != nil {
					t.Errorf("exp = %v, want none", tc.ExpiresAt)
				}
				return
			}
			if tc.ExpiresAt == nil || tc.ExpiresAt.Unix() != tt.wantExp {
				t.Errorf("exp = %v, want %d", tc.ExpiresAt, tt.wantExp)
			}
		})
	}
}

func TestTokenClaimsPermissions(t *testing.T) {
	var tc tokenClaims
	if err := json.Unmarshal([]byte(`{"sub":"w","permissions":["computor:write"]}`), &tc); err != nil {
		t.Fatal(err)
	}
	if tc.Subject != "w" || !slices.Equal(tc.Permissions, []string{"computor:write"}) {
		t.Errorf("claims = %+v", tc)
	}
	out, err := json.Marshal(tokenClaims{Roles: roleList{"student"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "permissions") {
		t.Errorf("Marshal = %s, want no empty permissions claim", out)
	}
}
