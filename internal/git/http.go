package git

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cgi"
	"os"
	"path/filepath"
	"strings"
)

// Errors an authorize function given to [Local.Handler] returns, wrapped.
var (
	// ErrUnauthenticated: the request carries no valid credentials; the
	// client is asked for them (401).
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden: the caller may not read, or write, the repository (403).
	ErrForbidden = errors.New("forbidden")
)

// git smart HTTP services.
const (
	serviceUpload  = "git-upload-pack"  // clone, fetch
	serviceReceive = "git-receive-pack" // push
)

// Handler serves the repositories over git's smart HTTP protocol at
// <prefix>/<path>.git/... (clone, fetch, push) by running git http-backend.
//
// Before serving it calls authorize with the repository path (no ".git")
// and whether the request writes (a push, or the advertisement before
// one). An error wrapping [ErrUnauthenticated] answers 401 with a Basic
// challenge, so the git client asks for credentials; [ErrForbidden]
// answers 403; any other error 500. Invalid paths, unknown repositories
// and anything but the smart protocol's three endpoints answer 404.
//
// Pushes may create or update any branch, but git refuses to delete a
// branch or move one other than by fast-forward (receive.denyDeletes and
// receive.denyNonFastForwards), and checks every object it receives
// (receive.fsckObjects): a tree entry "..", "." or ".git", or a malformed
// object, fails the push. A request body of unknown length is read
// into a temporary file first, up to the limit of [WithMaxRequestBytes].
func (l *Local) Handler(prefix string, authorize func(r *http.Request, repoPath string, write bool) error) http.Handler {
	if authorize == nil {
		panic("git: Handler needs an authorize function")
	}
	prefix = strings.TrimRight(prefix, "/")
	l.checkHTTPBackend()
	backend := &cgi.Handler{
		Path: l.gitPath,
		Args: []string{"http-backend"},
		Dir:  l.root,
		Env: append(l.baseEnv(append([][2]string{{"http.receivepack", "true"}}, pushConfig...)...),
			"GIT_PROJECT_ROOT="+l.root,
			"GIT_HTTP_EXPORT_ALL=1",
		),
		Logger: slog.NewLogLogger(l.log.Handler(), slog.LevelError),
		Stderr: slog.NewLogLogger(l.log.Handler(), slog.LevelWarn).Writer(),
	}
	return &httpHandler{l: l, prefix: prefix, authorize: authorize, backend: backend}
}

type httpHandler struct {
	l         *Local
	prefix    string
	authorize func(r *http.Request, repoPath string, write bool) error
	backend   *cgi.Handler
}

// gitRequest is a parsed smart HTTP request.
type gitRequest struct {
	repo    string // repository path, without ".git"
	rest    string // "info/refs", "git-upload-pack" or "git-receive-pack"
	service string
}

// parse splits the request path into repository and endpoint. A non-zero
// status is the answer to a request that is not a smart HTTP request for a
// valid repository path.
func (h *httpHandler) parse(r *http.Request) (gitRequest, int) {
	rest, ok := strings.CutPrefix(r.URL.Path, h.prefix+"/")
	if !ok {
		return gitRequest{}, http.StatusNotFound
	}
	repo, endpoint, ok := strings.Cut(rest, ".git/")
	if !ok {
		return gitRequest{}, http.StatusNotFound
	}
	if validateRepoPath(repo) != nil {
		return gitRequest{}, http.StatusNotFound
	}
	req := gitRequest{repo: repo, rest: endpoint}
	method := http.MethodPost
	switch endpoint {
	case "info/refs":
		method = http.MethodGet
		req.service = r.URL.Query().Get("service")
		if req.service != serviceUpload && req.service != serviceReceive {
			return gitRequest{}, http.StatusNotFound // the dumb protocol is not served
		}
	case serviceUpload, serviceReceive:
		req.service = endpoint
	default:
		return gitRequest{}, http.StatusNotFound
	}
	if r.Method != method {
		return gitRequest{}, http.StatusMethodNotAllowed
	}
	return req, 0
}

func (h *httpHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req, status := h.parse(r)
	if status != 0 {
		http.Error(w, http.StatusText(status), status)
		return
	}
	if err := h.authorize(r, req.repo, req.service == serviceReceive); err != nil {
		switch {
		case errors.Is(err, ErrUnauthenticated):
			w.Header().Set("WWW-Authenticate", `Basic realm="computor"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
		case errors.Is(err, ErrForbidden):
			http.Error(w, "forbidden", http.StatusForbidden)
		default:
			h.l.log.ErrorContext(r.Context(), "authorize git request", "repo", req.repo, "error", err)
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		}
		return
	}
	if ok, err := isRepo(h.l.repoDir(req.repo)); err != nil {
		h.l.log.ErrorContext(r.Context(), "check git repository", "repo", req.repo, "error", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	} else if !ok {
		http.NotFound(w, r)
		return
	}

	// Hand http-backend a request rebuilt from the validated parts, without
	// the caller's credentials.
	out := r.Clone(r.Context())
	out.URL.Path = "/" + req.repo + ".git/" + req.rest
	out.URL.RawPath = ""
	out.Header.Del("Authorization")
	out.Header.Del("Cookie")
	if r.Method == http.MethodPost {
		cleanup, status := h.body(w, r, out)
		defer cleanup()
		if status != 0 {
			http.Error(w, http.StatusText(status), status)
			return
		}
	}
	h.backend.ServeHTTP(w, out)
}

// body sets out's body to r's with a known length, as CGI needs: a body of
// unknown length (chunked, as git sends large pushes) is read into a
// temporary file first. Bodies over the limit are refused with 413.
func (h *httpHandler) body(w http.ResponseWriter, r, out *http.Request) (func(), int) {
	nothing := func() {}
	if r.ContentLength > h.l.maxBody {
		return nothing, http.StatusRequestEntityTooLarge
	}
	if r.ContentLength >= 0 {
		out.Body = http.MaxBytesReader(w, r.Body, h.l.maxBody)
		return nothing, 0
	}
	f, err := os.CreateTemp(h.l.tmp, "op-body-")
	if err != nil {
		h.l.log.ErrorContext(r.Context(), "spool git request body", "error", err)
		return nothing, http.StatusInternalServerError
	}
	cleanup := func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}
	n, err := io.Copy(f, http.MaxBytesReader(w, r.Body, h.l.maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return cleanup, http.StatusRequestEntityTooLarge
		}
		return cleanup, http.StatusBadRequest
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		h.l.log.ErrorContext(r.Context(), "spool git request body", "error", err)
		return cleanup, http.StatusInternalServerError
	}
	out.Body = f
	out.ContentLength = n
	out.TransferEncoding = nil
	return cleanup, 0
}

// checkHTTPBackend logs an error when git's http-backend is missing (some
// distributions ship it in a separate package), so every request would
// fail with 500.
func (l *Local) checkHTTPBackend() {
	out, err := l.run(context.Background(), "", nil, nil, "--exec-path")
	if err == nil {
		_, err = os.Stat(filepath.Join(strings.TrimSpace(string(out)), "git-http-backend"))
	}
	if err != nil {
		l.log.Error("git http-backend not found; serving repositories over HTTP will fail", "error", err)
	}
}
