package git

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cgi"
	"os"
	"path/filepath"
	"strings"

	"github.com/computor-org/computor-go/internal/derrors"
)

// An authorize function given to [Local.Handler] returns an error that
// wraps derrors.Unauthenticated when the request carries no valid
// credentials (the client is asked for them, 401), or derrors.Forbidden
// when the caller may not read, or write, the repository (403).

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
// one). An error wrapping [derrors.Unauthenticated] answers 401 with a Basic
// challenge, so the git client asks for credentials; [derrors.Forbidden]
// answers 403; any other error 500. Invalid paths, unknown repositories
// and anything but the smart protocol's three endpoints answer 404.
//
// Pushes may create or update any branch, but git refuses to delete a
// branch or move one other than by fast-forward (receive.denyDeletes and
// receive.denyNonFastForwards), and checks every object it receives
// (receive.fsckObjects): a tree entry "..", "." or ".git", or a malformed
// object, fails the push. A request body of unknown length is read
// into a temporary file first, up to the limit of [WithMaxRequestBytes].
func (l *Local) Handler(prefix string, authorize func(r *http.Request, repoPath string, write bool) error,
	fail func(w http.ResponseWriter, r *http.Request, err error)) http.Handler {
	if authorize == nil || fail == nil {
		panic("git: Handler needs an authorize and a fail function")
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
	return &httpHandler{l: l, prefix: prefix, authorize: authorize, fail: fail, backend: backend}
}

type httpHandler struct {
	l         *Local
	prefix    string
	authorize func(r *http.Request, repoPath string, write bool) error
	// fail answers a request with an error, which wraps a sentinel of
	// package derrors; the caller renders it as it renders all errors.
	fail    func(w http.ResponseWriter, r *http.Request, err error)
	backend *cgi.Handler
}

// gitRequest is a parsed smart HTTP request.
type gitRequest struct {
	repo    string // repository path, without ".git"
	rest    string // "info/refs", "git-upload-pack" or "git-receive-pack"
	service string
}

// parse splits the request path into repository and endpoint. The error
// answers a request that is not a smart HTTP request for a valid
// repository path.
func (h *httpHandler) parse(r *http.Request) (gitRequest, error) {
	notFound := fmt.Errorf("no git repository endpoint %s: %w", r.URL.Path, derrors.NotFound)
	rest, ok := strings.CutPrefix(r.URL.Path, h.prefix+"/")
	if !ok {
		return gitRequest{}, notFound
	}
	repo, endpoint, ok := strings.Cut(rest, ".git/")
	if !ok {
		return gitRequest{}, notFound
	}
	if validateRepoPath(repo) != nil {
		return gitRequest{}, notFound
	}
	req := gitRequest{repo: repo, rest: endpoint}
	method := http.MethodPost
	switch endpoint {
	case "info/refs":
		method = http.MethodGet
		req.service = r.URL.Query().Get("service")
		if req.service != serviceUpload && req.service != serviceReceive {
			return gitRequest{}, notFound // the dumb protocol is not served
		}
	case serviceUpload, serviceReceive:
		req.service = endpoint
	default:
		return gitRequest{}, notFound
	}
	if r.Method != method {
		return gitRequest{}, fmt.Errorf("%s %s: %w", r.Method, endpoint, derrors.MethodNotAllowed)
	}
	return req, nil
}

func (h *httpHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req, err := h.parse(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.authorize(r, req.repo, req.service == serviceReceive); err != nil {
		if errors.Is(err, derrors.Unauthenticated) {
			// git's client asks for credentials on this challenge only.
			w.Header().Set("WWW-Authenticate", `Basic realm="computor"`)
		}
		h.fail(w, r, fmt.Errorf("authorize %s: %w", req.repo, err))
		return
	}
	if ok, err := isRepo(h.l.repoDir(req.repo)); err != nil {
		h.fail(w, r, fmt.Errorf("check git repository %s: %w", req.repo, err))
		return
	} else if !ok {
		h.fail(w, r, fmt.Errorf("no repository %s: %w", req.repo, derrors.NotFound))
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
		cleanup, err := h.body(w, r, out)
		defer cleanup()
		if err != nil {
			h.fail(w, r, err)
			return
		}
	}
	h.backend.ServeHTTP(w, out)
}

// body sets out's body to r's with a known length, as CGI needs: a body of
// unknown length (chunked, as git sends large pushes) is read into a
// temporary file first. Bodies over the limit are refused (TooLarge).
func (h *httpHandler) body(w http.ResponseWriter, r, out *http.Request) (func(), error) {
	nothing := func() {}
	tooLarge := fmt.Errorf("the request body is larger than %d bytes: %w", h.l.maxBody, derrors.TooLarge)
	if r.ContentLength > h.l.maxBody {
		return nothing, tooLarge
	}
	if r.ContentLength >= 0 {
		out.Body = http.MaxBytesReader(w, r.Body, h.l.maxBody)
		return nothing, nil
	}
	f, err := os.CreateTemp(h.l.tmp, "op-body-")
	if err != nil {
		return nothing, fmt.Errorf("spool git request body: %w", err)
	}
	cleanup := func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}
	n, err := io.Copy(f, http.MaxBytesReader(w, r.Body, h.l.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return cleanup, tooLarge
		}
		return cleanup, fmt.Errorf("read the request body: %v: %w", err, derrors.Invalid)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return cleanup, fmt.Errorf("spool git request body: %w", err)
	}
	out.Body = f
	out.ContentLength = n
	out.TransferEncoding = nil
	return cleanup, nil
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
