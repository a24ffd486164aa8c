package git

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/computor-org/computor-go/internal/derrors"
)

// httpBundle is a test bundle served over HTTP. The authorizer knows
// alice (read and write), reader (read only) and boom (an internal error);
// the password is always "token".
type httpBundle struct {
	*testBundle
	srv *httptest.Server

	mu      sync.Mutex
	calls   []string // "repo write" per authorize call
	chunked int      // requests whose body came without a length
}

func setupHTTP(t *testing.T) *httpBundle {
	t.Helper()
	b := &httpBundle{testBundle: setup(t)}
	authorize := func(r *http.Request, repoPath string, write bool) error {
		b.mu.Lock()
		b.calls = append(b.calls, fmt.Sprintf("%s %v", repoPath, write))
		b.mu.Unlock()
		user, pass, ok := r.BasicAuth()
		switch {
		case !ok:
			return fmt.Errorf("no credentials: %w", derrors.Unauthenticated)
		case pass != "token":
			return fmt.Errorf("wrong token for %s: %w", user, derrors.Forbidden)
		case user == "alice":
			return nil
		case user == "reader" && !write:
			return nil
		case user == "boom":
			return errors.New("database down")
		}
		return fmt.Errorf("%s may not write %s: %w", user, repoPath, derrors.Forbidden)
	}
	h := b.svc.Handler("/git", authorize, failPlain)
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength < 0 {
			b.mu.Lock()
			b.chunked++
			b.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(b.srv.Close)
	return b
}

// failPlain answers an error with the status of its sentinel, in plain
// text: the API renders problem+json in its place.
func failPlain(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	for _, m := range []struct {
		err    error
		status int
	}{{derrors.NotFound, 404}, {derrors.Unauthenticated, 401}, {derrors.Forbidden, 403}, {derrors.MethodNotAllowed, 405},
		{derrors.TooLarge, 413}, {derrors.Invalid, 400}} {
		if errors.Is(err, m.err) {
			status = m.status
			break
		}
	}
	http.Error(w, err.Error(), status)
}

// url returns the clone URL of a repository with credentials.
func (b *httpBundle) url(user, pass, path string) string {
	u, _ := url.Parse(b.srv.URL + "/git/" + path + ".git")
	if user != "" {
		u.User = url.UserPassword(user, pass)
	}
	return u.String()
}

func (b *httpBundle) lastCall() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.calls) == 0 {
		return ""
	}
	return b.calls[len(b.calls)-1]
}

func TestHTTPCloneAndPush(t *testing.T) {
	t.Parallel()
	b := setupHTTP(t)
	const path = "tugraz/progphys/2026/students/alice"
	_, base := b.mustRepo(t, path, files("README.md", "hello\n"))

	work := filepath.Join(t.TempDir(), "work")
	runGit(t, "", "clone", "--quiet", b.url("alice", "token", path), work)
	if data, err := os.ReadFile(filepath.Join(work, "README.md")); err != nil || string(data) != "hello\n" {
		t.Fatalf("cloned README.md = %q, %v", data, err)
	}
	if got := b.lastCall(); got != path+" false" {
		t.Errorf("authorize for clone got %q, want %q", got, path+" false")
	}

	// A small push, then one large enough (random, so incompressible) that
	// git sends it chunked.
	if err := os.WriteFile(filepath.Join(work, "solution.py"), []byte("print(42)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runGit(t, work, "add", ".")
	runGit(t, work, "commit", "--quiet", "-m", "solve")
	runGit(t, work, "push", "--quiet", "origin", "main")
	if got := b.lastCall(); got != path+" true" {
		t.Errorf("authorize for push got %q, want %q", got, path+" true")
	}
	local := runGit(t, work, "rev-parse", "HEAD")
	if head := b.mustResolve(t, path, "main"); head != local {
		t.Fatalf("main after push = %s, want %s", head, local)
	}

	big := make([]byte, 3<<20)
	_, _ = rand.Read(big)
	if err := os.WriteFile(filepath.Join(work, "big.bin"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	runGit(t, work, "add", ".")
	runGit(t, work, "commit", "--quiet", "-m", "big")
	runGit(t, work, "push", "--quiet", "origin", "main")
	b.mu.Lock()
	if b.chunked == 0 {
		t.Error("the large push was not sent chunked; the test does not cover spooling")
	}
	b.mu.Unlock()
	local = runGit(t, work, "rev-parse", "HEAD")
	if head := b.mustResolve(t, path, "main"); head != local {
		t.Fatalf("main after large push = %s, want %s", head, local)
	}
	if got, err := b.svc.ReadFile(b.ctx, path, local, "big.bin"); err != nil || string(got) != string(big) {
		t.Errorf("big.bin after push: %d bytes, %v; want %d bytes", len(got), err, len(big))
	}
	if ok, err := b.svc.HasCommit(b.ctx, path, base); err != nil || !ok {
		t.Errorf("HasCommit(base) = %v, %v", ok, err)
	}

	// A commit made by the service is fetched by the client.
	made := b.mustCommit(t, path, CommitParams{Parent: local, Write: files("FEEDBACK.md", "good"), Message: "feedback"})
	runGit(t, work, "pull", "--quiet", "--ff-only", "origin", "main")
	if got := runGit(t, work, "rev-parse", "HEAD"); got != made {
		t.Errorf("HEAD after pull = %s, want %s", got, made)
	}

	// Other branches may be pushed.
	runGit(t, work, "push", "--quiet", "origin", "HEAD:refs/heads/feature")
	if got := b.mustResolve(t, path, "feature"); got != made {
		t.Errorf("feature = %s, want %s", got, made)
	}
}

func TestHTTPPushRefused(t *testing.T) {
	t.Parallel()
	b := setupHTTP(t)
	const path = "org/protected"
	_, base := b.mustRepo(t, path, files("a", "1"))
	head := b.mustCommit(t, path, CommitParams{Parent: base, Write: files("a", "2"), Message: "two"})

	work := filepath.Join(t.TempDir(), "work")
	runGit(t, "", "clone", "--quiet", b.url("alice", "token", path), work)
	runGit(t, work, "push", "--quiet", "origin", "HEAD:refs/heads/topic")

	// Rewrite history and force it onto main.
	runGit(t, work, "reset", "--quiet", "--hard", base)
	runGit(t, work, "commit", "--quiet", "--allow-empty", "-m", "rewritten")
	if out, err := tryGit(t, work, "push", "--force", "origin", "HEAD:main"); err == nil {
		t.Errorf("force push to main succeeded: %s", out)
	}
	// Delete main, or any branch.
	for _, ref := range []string{"main", "topic"} {
		if out, err := tryGit(t, work, "push", "origin", ":"+ref); err == nil {
			t.Errorf("deleting %s succeeded: %s", ref, out)
		}
	}
	if got := b.mustResolve(t, path, "main"); got != head {
		t.Errorf("main = %s after refused pushes, want %s", got, head)
	}
	if got := b.mustResolve(t, path, "topic"); got != head {
		t.Errorf("topic = %s after refused pushes, want %s", got, head)
	}

	// A reader may clone but not push.
	readerWork := filepath.Join(t.TempDir(), "reader")
	runGit(t, "", "clone", "--quiet", b.url("reader", "token", path), readerWork)
	runGit(t, readerWork, "commit", "--quiet", "--allow-empty", "-m", "sneaky")
	out, err := tryGit(t, readerWork, "push", "origin", "main")
	if err == nil || !strings.Contains(out, "403") {
		t.Errorf("reader push: %v, %s; want a 403 failure", err, out)
	}
	if got := b.mustResolve(t, path, "main"); got != head {
		t.Errorf("main = %s after reader push, want %s", got, head)
	}
}

func TestHTTPAuthorize(t *testing.T) {
	t.Parallel()
	b := setupHTTP(t)
	const path = "org/secret"
	b.mustRepo(t, path, files("a", "1"))

	clones := []struct {
		name, user, pass, output string
	}{
		{"no credentials", "", "", "could not read Username"},
		{"wrong token", "alice", "guess", "403"},
		{"internal error", "boom", "token", "500"},
	}
	for _, tt := range clones {
		dst := filepath.Join(t.TempDir(), "clone")
		out, err := tryGit(t, "", "clone", b.url(tt.user, tt.pass, path), dst)
		if err == nil || !strings.Contains(out, tt.output) {
			t.Errorf("%s: clone %v, %q; want failure mentioning %q", tt.name, err, out, tt.output)
		}
		if _, err := os.Stat(filepath.Join(dst, "a")); err == nil {
			t.Errorf("%s: clone checked out files", tt.name)
		}
	}

	statuses := []struct {
		name, user, pass, service string
		want                      int
	}{
		{"anonymous read", "", "", serviceUpload, http.StatusUnauthorized},
		{"anonymous write", "", "", serviceReceive, http.StatusUnauthorized},
		{"wrong token", "alice", "guess", serviceUpload, http.StatusForbidden},
		{"reader write", "reader", "token", serviceReceive, http.StatusForbidden},
		{"reader read", "reader", "token", serviceUpload, http.StatusOK},
		{"internal error", "boom", "token", serviceUpload, http.StatusInternalServerError},
		{"alice write", "alice", "token", serviceReceive, http.StatusOK},
	}
	for _, tt := range statuses {
		req, _ := http.NewRequestWithContext(b.ctx, http.MethodGet, b.srv.URL+"/git/"+path+".git/info/refs?service="+tt.service, nil)
		if tt.user != "" {
			req.SetBasicAuth(tt.user, tt.pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.want)
		}
		challenge := resp.Header.Get("WWW-Authenticate")
		if wantChallenge := tt.want == http.StatusUnauthorized; wantChallenge != (challenge == `Basic realm="computor"`) {
			t.Errorf("%s: WWW-Authenticate %q", tt.name, challenge)
		}
		if tt.want == http.StatusOK {
			if ct := resp.Header.Get("Content-Type"); ct != "application/x-"+tt.service+"-advertisement" {
				t.Errorf("%s: Content-Type %q", tt.name, ct)
			}
		}
		if got, want := b.lastCall(), fmt.Sprintf("%s %v", path, tt.service == serviceReceive); got != want {
			t.Errorf("%s: authorize got %q, want %q", tt.name, got, want)
		}
	}
}

func TestHTTPNotFound(t *testing.T) {
	t.Parallel()
	b := setupHTTP(t)
	b.mustRepo(t, "org/repo", files("a", "1"))
	// Something git would serve if the handler let the path through.
	runGit(t, b.root, "init", "--quiet", "--bare", "--template=", ".hidden.git")

	tests := []struct {
		name, method, path string
		want               int
	}{
		{"the repository", "GET", "/git/org/repo.git/info/refs?service=git-upload-pack", http.StatusOK},
		{"unknown repository", "GET", "/git/org/nope.git/info/refs?service=git-upload-pack", http.StatusNotFound},
		{"unknown group", "GET", "/git/nope/repo.git/info/refs?service=git-upload-pack", http.StatusNotFound},
		{"dot dot", "GET", "/git/../org/repo.git/info/refs?service=git-upload-pack", http.StatusNotFound},
		{"dot dot inside", "GET", "/git/org/x/../repo.git/info/refs?service=git-upload-pack", http.StatusNotFound},
		{"encoded dot dot", "GET", "/git/org/%2e%2e/org/repo.git/info/refs?service=git-upload-pack", http.StatusNotFound},
		{"encoded slash", "GET", "/git/org%2frepo.git/info/refs?service=git-upload-pack", http.StatusOK},
		{"encoded slash and dots", "GET", "/git/org%2f..%2forg/repo.git/info/refs?service=git-upload-pack", http.StatusNotFound},
		{"dot segment", "GET", "/git/./org/repo.git/info/refs?service=git-upload-pack", http.StatusNotFound},
		{"hidden", "GET", "/git/.hidden.git/info/refs?service=git-upload-pack", http.StatusNotFound},
		{"temporary dir", "GET", "/git/.tmp/x.git/info/refs?service=git-upload-pack", http.StatusNotFound},
		{"absolute", "GET", "/git//etc/repo.git/info/refs?service=git-upload-pack", http.StatusNotFound},
		{"no .git", "GET", "/git/org/repo/info/refs?service=git-upload-pack", http.StatusNotFound},
		{"repository root", "GET", "/git/org/repo.git", http.StatusNotFound},
		{"outside prefix", "GET", "/org/repo.git/info/refs?service=git-upload-pack", http.StatusNotFound},
		{"dumb protocol", "GET", "/git/org/repo.git/info/refs", http.StatusNotFound},
		{"unknown service", "GET", "/git/org/repo.git/info/refs?service=git-upload-archive", http.StatusNotFound},
		{"repository file", "GET", "/git/org/repo.git/HEAD", http.StatusNotFound},
		{"repository config", "GET", "/git/org/repo.git/config", http.StatusNotFound},
		{"objects", "GET", "/git/org/repo.git/objects/info/packs", http.StatusNotFound},
		{"GET a service", "GET", "/git/org/repo.git/git-upload-pack", http.StatusMethodNotAllowed},
		{"POST refs", "POST", "/git/org/repo.git/info/refs?service=git-upload-pack", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		// Opaque keeps the path exactly as written: no cleaning, no
		// re-encoding.
		u, err := url.Parse(b.srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		pathPart, query, _ := strings.Cut(tt.path, "?")
		u.Opaque = "//" + u.Host + pathPart
		u.RawQuery = query
		req, _ := http.NewRequestWithContext(b.ctx, tt.method, "", nil)
		req.URL = u
		req.Host = u.Host
		req.SetBasicAuth("alice", "token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s (%s %s): status %d, want %d", tt.name, tt.method, tt.path, resp.StatusCode, tt.want)
		}
	}

	// The git client sees an unknown repository as such.
	out, err := tryGit(t, "", "clone", b.url("alice", "token", "org/nope"), filepath.Join(t.TempDir(), "c"))
	if err == nil || !strings.Contains(out, "not found") {
		t.Errorf("clone of unknown repository: %v, %q; want not found", err, out)
	}
}

// badCommit makes, in the client repository work, a commit whose tree has
// one entry of the given name pointing at a blob: names git's porcelain
// would never write, built with plumbing.
func badCommit(t *testing.T, work, name string) string {
	t.Helper()
	blob := runGit(t, work, "hash-object", "-w", "--stdin")
	raw, err := hexDecode(blob)
	if err != nil {
		t.Fatal(err)
	}
	treeFile := filepath.Join(t.TempDir(), "tree")
	if err := os.WriteFile(treeFile, append([]byte("100644 "+name+"\x00"), raw...), 0o644); err != nil {
		t.Fatal(err)
	}
	tree := runGit(t, work, "hash-object", "-t", "tree", "--literally", "-w", treeFile)
	return runGit(t, work, "commit-tree", "-p", "HEAD", "-m", "bad "+name, tree)
}

func hexDecode(s string) ([]byte, error) {
	out := make([]byte, len(s)/2)
	_, err := fmt.Sscanf(s, "%x", &out)
	return out, err
}

func TestHTTPPushFsck(t *testing.T) {
	t.Parallel()
	b := setupHTTP(t)
	const path = "org/checked"
	repo, head := b.mustRepo(t, path, files("a", "1"))
	// A repository made before these rules were set in its config is
	// served with them all the same.
	for _, key := range []string{"receive.fsckObjects", "transfer.fsckObjects"} {
		runGit(t, repo.Dir, "config", "--unset", key)
	}
	work := filepath.Join(t.TempDir(), "work")
	runGit(t, "", "clone", "--quiet", b.url("alice", "token", path), work)
	for _, name := range []string{"..", ".git", ".", ".GIT"} {
		c := badCommit(t, work, name)
		out, err := tryGit(t, work, "push", "origin", c+":refs/heads/main")
		if err == nil || !strings.Contains(out, "rejected") {
			t.Errorf("push of a tree entry %q: %v\n%s", name, err, out)
		}
	}
	if got := b.mustResolve(t, path, "main"); got != head {
		t.Errorf("main = %s after refused pushes, want %s", got, head)
	}
	// A good push still works.
	runGit(t, work, "commit", "--quiet", "--allow-empty", "-m", "fine")
	runGit(t, work, "push", "--quiet", "origin", "HEAD:main")
}
