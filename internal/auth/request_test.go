package auth

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestTokenFromRequest(t *testing.T) {
	basic := func(user, pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	tests := []struct {
		name   string
		header []string // Authorization header values
		want   string
	}{
		{"bearer", []string{"Bearer abc.def.ghi"}, "abc.def.ghi"},
		{"bearer lower-case scheme", []string{"bearer abc.def.ghi"}, "abc.def.ghi"},
		{"bearer extra spaces", []string{"Bearer   abc.def.ghi  "}, "abc.def.ghi"},
		{"basic password is token", []string{basic("git", "abc.def.ghi")}, "abc.def.ghi"},
		{"basic any username", []string{basic("", "tok")}, "tok"},
		{"basic password with colon", []string{basic("u", "a:b")}, "a:b"},
		{"no header", nil, ""},
		{"empty header", []string{""}, ""},
		{"bearer without token", []string{"Bearer"}, ""},
		{"bearer blank token", []string{"Bearer    "}, ""},
		{"bearer two tokens", []string{"Bearer a b"}, ""},
		{"bearer tab in token", []string{"Bearer a\tb"}, ""},
		{"unknown scheme", []string{"Token abc"}, ""},
		{"scheme prefix only", []string{"Bearerabc"}, ""},
		{"basic bad base64", []string{"Basic !!!"}, ""},
		{"basic without colon", []string{"Basic " + base64.StdEncoding.EncodeToString([]byte("nocolon"))}, ""},
		{"first header wins", []string{"Bearer first", "Bearer second"}, "first"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/tasks", nil)
			for _, h := range tt.header {
				r.Header.Add("Authorization", h)
			}
			if got := TokenFromRequest(r); got != tt.want {
				t.Errorf("TokenFromRequest = %q, want %q", got, tt.want)
			}
		})
	}
	if got := TokenFromRequest(nil); got != "" {
		t.Errorf("TokenFromRequest(nil) = %q, want \"\"", got)
	}
}
