package embedded

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/computor-org/computor-go/internal/auth"
)

// A login keeps the token on the server: the cookie is a session id, and
// logging out ends the session for whoever still holds the cookie.
func TestUIGateSessions(t *testing.T) {
	t.Parallel()
	key, _, m := testAccess(t)
	gate := NewUIGate(UIGateConfig{Verifier: m.access.Verifier})
	var seen string // the bearer token the UI got
	srv := httptest.NewServer(gate.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header.Get("Authorization")
		if _, err := r.Cookie(sessionCookie); err == nil {
			t.Error("the UI got the session cookie")
		}
	})))
	defer srv.Close()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	admin := mint(t, key, time.Hour, auth.RoleAdmin)
	resp, err := noRedirect.PostForm(srv.URL+loginPath, url.Values{"token": {admin}, "next": {"//evil.example/x"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			cookie = c
		}
	}
	switch {
	case resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/":
		t.Fatalf("login: %s to %q, want 303 to /", resp.Status, resp.Header.Get("Location"))
	case cookie == nil:
		t.Fatal("login set no session cookie")
	case cookie.Value == admin || strings.Contains(cookie.Value, "."):
		t.Fatalf("the session cookie carries the token: %q", cookie.Value)
	case !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode:
		t.Fatalf("session cookie %+v, want HttpOnly and SameSite=Strict", cookie)
	case time.Until(cookie.Expires) > SessionTTL:
		t.Fatalf("session lasts until %v, longer than %v", cookie.Expires, SessionTTL)
	}

	get := func(c *http.Cookie, header string) int {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/namespaces", nil)
		if c != nil {
			req.AddCookie(c)
		}
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	seen = ""
	if code := get(cookie, ""); code != http.StatusOK || seen != "Bearer "+admin {
		t.Fatalf("with the session: %d, the UI saw %q; want 200 and the admin's token", code, seen)
	}
	if code := get(&http.Cookie{Name: sessionCookie, Value: admin}, ""); code != http.StatusUnauthorized {
		t.Errorf("a token as the cookie: %d, want 401 (cookies hold session ids only)", code)
	}
	if code := get(nil, "Bearer "+admin); code != http.StatusOK {
		t.Errorf("a bearer header: %d, want 200", code)
	}
	// Basic credentials: a browser sends them by itself and they would
	// skip the cross-site check.
	if code := get(nil, "Basic "+basic("x", admin)); code != http.StatusUnauthorized {
		t.Errorf("Basic credentials: %d, want 401", code)
	}

	resp, err = noRedirect.Do(func() *http.Request {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+logoutPath, nil)
		req.AddCookie(cookie)
		return req
	}())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code := get(cookie, ""); code != http.StatusUnauthorized {
		t.Errorf("the cookie after logout: %d, want 401", code)
	}

	// A token that expires within the session ends it then.
	short := mint(t, key, 2*time.Second, auth.RoleAdmin)
	id, until := gate.startSession(short, time.Now().Add(2*time.Second))
	if time.Until(until) > 2*time.Second {
		t.Errorf("session of a 2 s token lasts until %v", until)
	}
	gate.mu.Lock()
	s := gate.sessions[id]
	s.expires = time.Now().Add(-time.Second)
	gate.sessions[id] = s
	gate.mu.Unlock()
	if code := get(&http.Cookie{Name: sessionCookie, Value: id}, ""); code != http.StatusUnauthorized {
		t.Errorf("an expired session: %d, want 401", code)
	}
}

func basic(user, password string) string {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.SetBasicAuth(user, password)
	_, v, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	return v
}

// After a login the gate redirects only to a path of its own site.
func TestLocalPath(t *testing.T) {
	t.Parallel()
	for next, want := range map[string]string{
		"/":                                 "/",
		"/namespaces/default/workflows?x=1": "/namespaces/default/workflows?x=1",
		"":                                  "/",
		"//evil.example":                    "/",
		"/\\evil.example":                   "/",
		"\\\\evil.example":                  "/",
		"https://evil.example/":             "/",
		"javascript:alert(1)":               "/",
		"/\t/evil.example":                  "/",
		"/%0d%0aSet-Cookie:x":               "/%0d%0aSet-Cookie:x", // escaped: a path, harmless
		"/\r\nSet-Cookie: x=1":              "/",
		"evil.example":                      "/",
		"/a\x7f":                            "/",
	} {
		if got := localPath(next); got != want {
			t.Errorf("localPath(%q) = %q, want %q", next, got, want)
		}
	}
}

// Fuzz: whatever comes in, the redirect stays on this site.
func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/", "//x", "/\\x", "https://x", "/ok?a=b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := localPath(next)
		u, err := url.Parse(got)
		if err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") {
			t.Fatalf("localPath(%q) = %q leaves the site", next, got)
		}
		// Browsers read a backslash as a slash.
		if r := strings.ReplaceAll(got, `\`, "/"); strings.HasPrefix(r, "//") {
			t.Fatalf("localPath(%q) = %q leaves the site in a browser", next, got)
		}
	})
}
