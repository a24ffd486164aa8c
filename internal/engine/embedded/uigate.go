package embedded

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/computor-org/computor-go/internal/auth"
)

// The gate's own paths and cookies, apart from the Web UI's.
const (
	loginPath     = "/_computor/login"
	logoutPath    = "/_computor/logout"
	sessionCookie = "computor_ui"
	// csrfCookie and csrfHeader are the names the Web UI's JavaScript
	// already uses: it reads the cookie and sends it back in the header.
	csrfCookie = "_csrf"
	csrfHeader = "X-CSRF-Token"
	// LoginLinkTTL is how long a one-time login link works.
	LoginLinkTTL = time.Hour
	// SessionTTL is the longest a login lasts; never past the token's
	// own expiry.
	SessionTTL = 12 * time.Hour
)

// UIGate puts the Temporal Web UI behind a login: only admins get in.
// The Web UI itself trusts whoever reaches it, so the gate stands in
// front: it keeps the admin's token on the server, under a random
// session id that an HttpOnly cookie carries, hands the token to the UI
// as the bearer token of each request (which the frontend checks again),
// and guards the UI's actions against cross-site requests, a check the
// UI skips once a request carries a token. The token itself never
// reaches the browser, so a cookie that leaks (cookies are not kept
// apart by port: another loopback service sees them) is worth a session
// that logout or a restart ends, not a token valid for days.
//
// Admins log in by pasting a token, or through a one-time link that
// `computor dev` prints.
type UIGate struct {
	verifier interface {
		Verify(ctx context.Context, token string) (*auth.Claims, error)
	}
	// mint makes the session token of a one-time login; nil: no links.
	mint   func() (string, error)
	secure bool
	logger *slog.Logger

	mu       sync.Mutex
	codes    map[string]time.Time // one-time login codes and their expiry
	sessions map[string]session   // by session id
}

// session is one login.
type session struct {
	token   string
	expires time.Time
}

// UIGateConfig configures a UIGate.
type UIGateConfig struct {
	// Verifier checks tokens, as the API does.
	Verifier interface {
		Verify(ctx context.Context, token string) (*auth.Claims, error)
	}
	// Mint, when set, makes an admin's session token for a one-time login
	// link.
	Mint func() (string, error)
	// Secure marks the cookies Secure: set it when browsers reach the gate
	// over HTTPS.
	Secure bool
	// Logger receives a line for each login and refusal.
	Logger *slog.Logger
}

// NewUIGate returns a gate.
func NewUIGate(cfg UIGateConfig) *UIGate {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &UIGate{verifier: cfg.Verifier, mint: cfg.Mint, secure: cfg.Secure, logger: logger,
		codes: map[string]time.Time{}, sessions: map[string]session{}}
}

// LoginLink returns a link, under base (http://host:port), that logs an
// admin in once within LoginLinkTTL.
func (g *UIGate) LoginLink(base string) (string, error) {
	if g.mint == nil {
		return "", errors.New("ui gate: no one-time logins without a signing key")
	}
	code := rand.Text()
	g.mu.Lock()
	now := time.Now()
	for c, exp := range g.codes {
		if now.After(exp) {
			delete(g.codes, c)
		}
	}
	g.codes[code] = now.Add(LoginLinkTTL)
	g.mu.Unlock()
	return strings.TrimRight(base, "/") + loginPath + "?code=" + url.QueryEscape(code), nil
}

// useCode consumes a one-time code: true once, and only before it expires.
func (g *UIGate) useCode(code string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	exp, ok := g.codes[code]
	delete(g.codes, code)
	return ok && time.Now().Before(exp)
}

// startSession keeps token under a new session id, for at most
// SessionTTL and never past expires, the token's own expiry.
func (g *UIGate) startSession(token string, expires time.Time) (id string, until time.Time) {
	now := time.Now()
	until = now.Add(SessionTTL)
	if expires.Before(until) {
		until = expires
	}
	id = rand.Text()
	g.mu.Lock()
	defer g.mu.Unlock()
	for k, s := range g.sessions {
		if now.After(s.expires) {
			delete(g.sessions, k)
		}
	}
	g.sessions[id] = session{token: token, expires: until}
	return id, until
}

// sessionToken is the token of a live session; "" for none.
func (g *UIGate) sessionToken(id string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	s, ok := g.sessions[id]
	if !ok || time.Now().After(s.expires) {
		delete(g.sessions, id)
		return ""
	}
	return s.token
}

func (g *UIGate) endSession(id string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.sessions, id)
}

// Handler guards next, the Web UI.
func (g *UIGate) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == loginPath:
			g.login(w, r)
			return
		case r.URL.Path == logoutPath:
			if c, err := r.Cookie(sessionCookie); err == nil {
				g.endSession(c.Value)
			}
			g.setSession(w, "", time.Unix(0, 0))
			http.Redirect(w, r, loginPath, http.StatusSeeOther)
			return
		case strings.HasPrefix(r.URL.Path, "/auth/"):
			// The UI's own single sign-on, which is off: a 401 makes the UI
			// stop refreshing and the user log in again.
			http.Error(w, "log in at "+loginPath, http.StatusUnauthorized)
			return
		}
		token, fromCookie := g.bearer(r)
		claims, err := g.verifier.Verify(r.Context(), token)
		api := strings.HasPrefix(r.URL.Path, "/api/")
		switch {
		case err != nil && api:
			http.Error(w, "unauthorized: log in at "+loginPath, http.StatusUnauthorized)
			return
		case err != nil:
			http.Redirect(w, r, loginPath+"?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		case !claims.IsAdmin():
			g.logger.Warn("web ui refused a non-admin", "subject", claims.Subject, "path", r.URL.Path)
			g.forbidden(w, api)
			return
		}
		if fromCookie && !safeMethod(r.Method) && !sameSite(r) {
			g.logger.Warn("web ui refused a cross-site request", "subject", claims.Subject, "path", r.URL.Path)
			http.Error(w, "cross-site request refused", http.StatusForbidden)
			return
		}
		if c, err := r.Cookie(csrfCookie); err != nil || c.Value == "" {
			http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: rand.Text(), Path: "/", Secure: g.secure,
				SameSite: http.SameSiteStrictMode})
		}
		// The UI gets the token as its bearer and never the session cookie.
		out := r.Clone(r.Context())
		out.Header.Del("Authorization-Extras")
		out.Header.Set("Authorization", "Bearer "+token)
		dropCookie(out, sessionCookie)
		next.ServeHTTP(w, out)
	})
}

// bearer is the request's token: its session's, else a bearer
// Authorization header (for scripts). Never Basic credentials: a browser
// sends those by itself, as it does a cookie, yet they would skip the
// cross-site check.
func (g *UIGate) bearer(r *http.Request) (token string, fromCookie bool) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		return g.sessionToken(c.Value), true
	}
	scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return auth.TokenFromRequest(r), false
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// sameSite reports whether a request with the session cookie came from
// the UI's own pages: same origin, if the browser says, and the CSRF
// token the UI's script copies from its cookie into a header, which
// another site cannot read.
func sameSite(r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" {
		return false
	}
	c, err := r.Cookie(csrfCookie)
	h := r.Header.Get(csrfHeader)
	return err == nil && c.Value != "" && subtle.ConstantTimeCompare([]byte(c.Value), []byte(h)) == 1
}

// dropCookie removes one cookie from a request's Cookie header.
func dropCookie(r *http.Request, name string) {
	cookies := r.Cookies()
	r.Header.Del("Cookie")
	for _, c := range cookies {
		if c.Name != name {
			r.AddCookie(c)
		}
	}
}

func (g *UIGate) setSession(w http.ResponseWriter, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, Secure: g.secure, SameSite: http.SameSiteStrictMode})
}

// login serves the login page, takes a pasted token, or a one-time code.
func (g *UIGate) login(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.FormValue("next"))
	var token string
	switch {
	case r.Method == http.MethodGet && r.URL.Query().Get("code") != "":
		if !g.useCode(r.URL.Query().Get("code")) {
			g.page(w, http.StatusUnauthorized, "That login link was used already or has expired. Paste a token instead.")
			return
		}
		t, err := g.mint()
		if err != nil {
			g.logger.Error("web ui login", "err", err)
			g.page(w, http.StatusInternalServerError, "Could not log you in; see the server's log.")
			return
		}
		token = t
	case r.Method == http.MethodPost:
		// A login form posted from another site would log the victim in
		// as someone else.
		if o := r.Header.Get("Origin"); o != "" {
			if u, err := url.Parse(o); err != nil || u.Host != r.Host {
				http.Error(w, "cross-site login refused", http.StatusForbidden)
				return
			}
		}
		token = strings.TrimSpace(r.PostFormValue("token"))
	default:
		g.page(w, http.StatusOK, "", next)
		return
	}
	claims, err := g.verifier.Verify(r.Context(), token)
	switch {
	case err != nil:
		// The reason may name the identity provider's setup: log it, and
		// tell the visitor only what they can act on.
		g.logger.Info("web ui login refused", "err", err)
		g.page(w, http.StatusUnauthorized, "That token is not valid (expired, for another server, or not a token). Make a new one with: computor token --sub NAME --role admin")
		return
	case !claims.IsAdmin():
		g.logger.Warn("web ui refused a non-admin login", "subject", claims.Subject)
		g.page(w, http.StatusForbidden, "Only admins may open the Temporal Web UI: it shows every course's tasks.")
		return
	}
	g.logger.Info("web ui login", "subject", claims.Subject)
	id, until := g.startSession(token, claims.ExpiresAt)
	g.setSession(w, id, until)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// localPath returns next if it is a path of this site, else "/": the
// login redirects there, and must not send anyone to another site.
func localPath(next string) string {
	u, err := url.Parse(next)
	switch {
	case err != nil, u.Scheme != "", u.Host != "", u.User != nil, u.Opaque != "",
		!strings.HasPrefix(next, "/"), strings.HasPrefix(next, "//"),
		strings.Contains(next, `\`):
		return "/"
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f {
			return "/"
		}
	}
	return next
}

func (g *UIGate) forbidden(w http.ResponseWriter, api bool) {
	if api {
		http.Error(w, "forbidden: only admins may use the Temporal Web UI", http.StatusForbidden)
		return
	}
	g.page(w, http.StatusForbidden, "Only admins may open the Temporal Web UI: it shows every course's tasks.")
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Computor: log in to the Temporal Web UI</title>
<style>body{font-family:sans-serif;max-width:40em;margin:4em auto;padding:0 1em}textarea{width:100%;height:8em}
.error{color:#a00}</style></head>
<body><h1>Temporal Web UI</h1>
<p>Only Computor's admins may open it: it shows every task of every course.</p>
{{if .Message}}<p class="error" id="error">{{.Message}}</p>{{end}}
<form method="post" action="` + loginPath + `">
<input type="hidden" name="next" value="{{.Next}}">
<p><label for="token">Paste an admin token (<code>computor token --sub NAME --role admin</code>):</label></p>
<textarea id="token" name="token" autocomplete="off" spellcheck="false"></textarea>
<p><button type="submit" id="login">Log in</button></p>
</form></body></html>
`))

func (g *UIGate) page(w http.ResponseWriter, status int, message string, next ...string) {
	data := struct{ Message, Next string }{Message: message, Next: "/"}
	if len(next) > 0 {
		data.Next = next[0]
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_ = loginPage.Execute(w, data)
}

// uiProxy forwards to the Web UI at addr, keeping the browser's Host so
// the UI's own origin checks see the address the browser used.
func uiProxy(addr string) http.Handler {
	target := &url.URL{Scheme: "http", Host: addr}
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host
		},
		FlushInterval: -1,
	}
}
