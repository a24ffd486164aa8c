package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	namespacepb "go.temporal.io/api/namespace/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/engine"
	"github.com/computor-org/computor-go/internal/tasks"
)

// slowBodyTimeout is the shared stack's bound on a request body's arrival.
const slowBodyTimeout = 2 * time.Second

// denied requires err to be the frontend's refusal.
func denied(t *testing.T, what string, err error) {
	t.Helper()
	var pd *serviceerror.PermissionDenied
	if !errors.As(err, &pd) {
		t.Errorf("%s: %v, want PermissionDenied", what, err)
	}
}

// startLongTask starts a task that runs for a minute, through the API.
func startLongTask(t *testing.T, s *stack, token string) string {
	t.Helper()
	return s.submit(t, token, "example_long_running", map[string]any{"duration": 60}, 0)
}

// The Temporal frontend takes the API's tokens: nobody without one reads
// or changes anything, students and tutors get nothing, admins get
// everything, and each service only the calls it makes.
func TestFrontendAccess(t *testing.T) {
	t.Parallel()
	s := shared
	ctx := context.Background()
	admin := s.tokenFor(t, "frontend-admin", auth.RoleAdmin)
	id := startLongTask(t, s, admin)
	list := func(tc client.Client) error {
		_, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: engine.DefaultNamespace})
		return err
	}
	dial := func(roles ...string) client.Client {
		tc, err := engine.Dial(ctx, s.clientConfig(t, "", roles...))
		if err != nil {
			t.Fatalf("dial with %v: %v", roles, err)
		}
		t.Cleanup(tc.Close)
		return tc
	}

	// Nobody, and a student: nothing to read, nothing to stop.
	for _, roles := range [][]string{nil, {"student"}, {"lecturer", "tutor"}} {
		tc := dial(roles...)
		denied(t, fmt.Sprintf("list as %v", roles), list(tc))
		_, err := tc.DescribeWorkflowExecution(ctx, id, "")
		denied(t, fmt.Sprintf("describe as %v", roles), err)
		denied(t, fmt.Sprintf("terminate as %v", roles), tc.TerminateWorkflow(ctx, id, "", "forged"))
		denied(t, fmt.Sprintf("signal as %v", roles), tc.SignalWorkflow(ctx, id, "", "x", nil))
	}
	// A token of another key, or an expired one, is not let in at all.
	forged := s.clientConfig(t, "", auth.RoleAdmin)
	other, err := auth.NewSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	otherAdmin, err := other.Mint(auth.Token{Subject: "mallory", Roles: []string{auth.RoleAdmin}, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	forged.Token = func(context.Context) (string, error) { return otherAdmin, nil }
	if tc, err := engine.Dial(ctx, forged); err == nil {
		denied(t, "list with another key's admin token", list(tc))
		tc.Close()
	}

	// The API's service token: it starts, reads and cancels, and no more.
	api := dial(auth.RoleAPIService)
	if err := list(api); err != nil {
		t.Errorf("the API may not list: %v", err)
	}
	if _, err := api.DescribeWorkflowExecution(ctx, id, ""); err != nil {
		t.Errorf("the API may not describe: %v", err)
	}
	denied(t, "terminate as the API", api.TerminateWorkflow(ctx, id, "", "forged"))
	_, err = api.WorkflowService().UpdateNamespace(ctx, &workflowservice.UpdateNamespaceRequest{Namespace: engine.DefaultNamespace,
		Config: &namespacepb.NamespaceConfig{WorkflowExecutionRetentionTtl: durationpb.New(24 * time.Hour)}})
	denied(t, "update the namespace as the API", err)

	// A worker's token: it polls, and may not start or read tasks.
	wk := dial(auth.RoleWorkerService)
	denied(t, "list as a worker", list(wk))
	_, err = wk.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: tasks.QueueDefault}, "example_long_running", map[string]any{})
	denied(t, "start as a worker", err)

	// The admin may stop the task; it ends TERMINATED.
	ad := dial(auth.RoleAdmin)
	if err := ad.TerminateWorkflow(ctx, id, "", "admin stops it"); err != nil {
		t.Fatalf("terminate as admin: %v", err)
	}
	if info := s.task(t, admin, id); info.Status != "TERMINATED" && info.Status != "CANCELLED" && info.Status != "FAILED" {
		t.Fatalf("after an admin terminated it: %+v", info)
	}
}

// temporalCLI is Temporal's own command-line client, v1.5.1.
func temporalCLI(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("temporal"); err == nil {
		return p
	}
	gobin, _ := exec.Command("go", "env", "GOPATH").Output()
	p := filepath.Join(strings.TrimSpace(string(gobin)), "bin", "temporal")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("Temporal's CLI is not installed (scripts/test.sh installs it: go install github.com/temporalio/cli/cmd/temporal@v1.5.1): %v", err)
	}
	return p
}

// Temporal's own CLI works with an admin token, as the README shows, and
// without one it is refused.
func TestTemporalCLIWithToken(t *testing.T) {
	t.Parallel()
	s := shared
	cli := temporalCLI(t)
	admin := s.tokenFor(t, "cli-admin", auth.RoleAdmin)
	id := s.submit(t, admin, "example_long_running", map[string]any{"duration": 0}, 0)
	s.await(t, admin, id)
	run := func(token string) (string, error) {
		args := []string{"workflow", "list", "--address", s.temporal, "--namespace", engine.DefaultNamespace, "--query", "WorkflowId='" + id + "'"}
		if token != "" {
			args = append(args, "--api-key", token, "--tls=false")
		}
		cmd := exec.Command(cli, args...)
		cmd.Env = append(os.Environ(), "TEMPORAL_CONFIG_FILE="+filepath.Join(t.TempDir(), "none.toml"))
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run(admin)
	if err != nil || !strings.Contains(out, id) {
		t.Fatalf("temporal workflow list with an admin token: %v\n%s", err, out)
	}
	for name, token := range map[string]string{"no token": "", "a student's token": s.tokenFor(t, "cli-student")} {
		out, err := run(token)
		if err == nil || strings.Contains(out, id) || !strings.Contains(out, "unauthorized") {
			t.Errorf("temporal workflow list with %s: %v\n%s", name, err, out)
		}
	}
}

// uiClient is a browser without JavaScript: it keeps cookies and does not
// follow redirects.
func uiClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func uiDo(t *testing.T, c *http.Client, method, u string, body io.Reader, header ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// The Web UI wants an admin's login; its data and its actions are
// nobody else's.
func TestWebUILogin(t *testing.T) {
	t.Parallel()
	s := shared
	base := "http://" + s.ui
	workflows := base + "/api/v1/namespaces/default/workflows"
	admin := s.tokenFor(t, "ui-admin", auth.RoleAdmin)
	student := s.tokenFor(t, "ui-student")
	id := startLongTask(t, s, admin)

	// Anonymous: the page sends you to the login, the data is a 401.
	anon := uiClient(t)
	if code, h, _ := uiDo(t, anon, "GET", base+"/", nil); code != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "/_computor/login") {
		t.Fatalf("GET / anonymous: %d %s", code, h.Get("Location"))
	}
	for _, u := range []string{workflows, base + "/api/v1/settings", base + "/api/v1/namespaces/default/workflows/" + id} {
		if code, _, body := uiDo(t, anon, "GET", u, nil); code != http.StatusUnauthorized || strings.Contains(body, id) {
			t.Errorf("GET %s anonymous: %d %.200s", u, code, body)
		}
	}
	// A student, by header or by login form, is refused.
	if code, _, body := uiDo(t, anon, "GET", workflows, nil, "Authorization", "Bearer "+student); code != http.StatusForbidden || strings.Contains(body, id) {
		t.Errorf("GET workflows as a student: %d %.200s", code, body)
	}
	if code, _, _ := uiDo(t, anon, "POST", workflows+"/"+id+"/terminate", strings.NewReader(`{"reason":"x"}`),
		"Authorization", "Bearer "+student); code != http.StatusForbidden {
		t.Errorf("terminate as a student: %d", code)
	}
	stud := uiClient(t)
	if code, _, body := uiDo(t, stud, "POST", base+"/_computor/login", strings.NewReader(url.Values{"token": {student}}.Encode()),
		"Content-Type", "application/x-www-form-urlencoded"); code != http.StatusForbidden || !strings.Contains(body, "Only admins") {
		t.Errorf("a student's login: %d %.300s", code, body)
	}
	if code, _, _ := uiDo(t, stud, "GET", workflows, nil); code != http.StatusUnauthorized {
		t.Errorf("after a refused login: %d", code)
	}

	// An admin logs in with a token; the session is an HttpOnly cookie.
	adm := uiClient(t)
	code, h, _ := uiDo(t, adm, "POST", base+"/_computor/login", strings.NewReader(url.Values{"token": {admin}}.Encode()),
		"Content-Type", "application/x-www-form-urlencoded", "Origin", base)
	if code != http.StatusSeeOther || !strings.Contains(h.Get("Set-Cookie"), "HttpOnly") || !strings.Contains(h.Get("Set-Cookie"), "SameSite=Strict") {
		t.Fatalf("admin login: %d %q", code, h.Get("Set-Cookie"))
	}
	code, _, body := uiDo(t, adm, "GET", workflows, nil)
	if code != http.StatusOK || !strings.Contains(body, id) {
		t.Fatalf("workflows as the admin: %d %.300s", code, body)
	}
	// A login posted from another site is refused.
	if code, _, _ := uiDo(t, uiClient(t), "POST", base+"/_computor/login", strings.NewReader(url.Values{"token": {admin}}.Encode()),
		"Content-Type", "application/x-www-form-urlencoded", "Origin", "https://evil.example"); code != http.StatusForbidden {
		t.Errorf("cross-site login: %d", code)
	}

	// With the admin's cookie, an action without the UI's CSRF token (a
	// form on another site) is refused; the task keeps running.
	terminate := workflows + "/" + id + "/terminate"
	if code, _, _ := uiDo(t, adm, "POST", terminate, strings.NewReader(`{"reason":"csrf"}`), "Content-Type", "application/json"); code != http.StatusForbidden {
		t.Errorf("terminate by cookie without the CSRF token: %d", code)
	}
	if code, _, _ := uiDo(t, adm, "POST", terminate, strings.NewReader(`{"reason":"csrf"}`), "Content-Type", "application/json",
		"Origin", "https://evil.example", "X-CSRF-Token", "guess"); code != http.StatusForbidden {
		t.Errorf("terminate from another origin: %d", code)
	}
	if info := s.task(t, admin, id); info.FinishedAt != nil {
		t.Fatalf("a refused terminate stopped the task: %+v", info)
	}
	// With it, as the UI's page sends it, the admin's terminate works.
	u, _ := url.Parse(base)
	csrf := ""
	for _, c := range adm.Jar.Cookies(u) {
		if c.Name == "_csrf" {
			csrf = c.Value
		}
	}
	if csrf == "" {
		t.Fatal("the gate set no _csrf cookie for the UI's script")
	}
	if code, _, body := uiDo(t, adm, "POST", terminate, strings.NewReader(`{"reason":"admin"}`), "Content-Type", "application/json",
		"Origin", base, "X-CSRF-Token", csrf); code != http.StatusOK {
		t.Fatalf("the admin's terminate through the UI: %d %.300s", code, body)
	}
	eventually(t, 10*time.Second, "task terminated", func() bool { return s.task(t, admin, id).FinishedAt != nil })

	// Logged out, the cookie is gone.
	uiDo(t, adm, "GET", base+"/_computor/logout", nil)
	if code, _, _ := uiDo(t, adm, "GET", workflows, nil); code != http.StatusUnauthorized {
		t.Errorf("after logout: %d", code)
	}
}

// dev prints a one-time login link: it works once.
func TestWebUILoginLink(t *testing.T) {
	t.Parallel()
	s := shared
	m := regexp.MustCompile(`UI login:\s+(\S+)`).FindStringSubmatch(s.stdout.String())
	if m == nil {
		t.Fatalf("dev printed no login link:\n%s", s.stdout.String())
	}
	link := m[1]
	c := uiClient(t)
	if code, h, _ := uiDo(t, c, "GET", link, nil); code != http.StatusSeeOther || !strings.Contains(h.Get("Set-Cookie"), "computor_ui=") {
		t.Fatalf("the login link: %d %q", code, h.Get("Set-Cookie"))
	}
	if code, _, _ := uiDo(t, c, "GET", "http://"+s.ui+"/api/v1/namespaces/default/workflows", nil); code != http.StatusOK {
		t.Fatalf("after the login link: %d", code)
	}
	if code, h, _ := uiDo(t, uiClient(t), "GET", link, nil); code != http.StatusUnauthorized || h.Get("Set-Cookie") != "" {
		t.Fatalf("the login link used twice: %d %q", code, h.Get("Set-Cookie"))
	}
	if code, _, _ := uiDo(t, uiClient(t), "GET", "http://"+s.ui+"/_computor/login?code=guess", nil); code != http.StatusUnauthorized {
		t.Fatalf("a made-up code: %d", code)
	}
}

// A client that promises a body and sends none is cut off, not waited
// for; the API keeps serving others meanwhile.
func TestSlowBodiesAreCut(t *testing.T) {
	t.Parallel()
	s := shared
	host := strings.TrimPrefix(s.api, "http://")
	const n = 100
	var wg sync.WaitGroup
	closed := make(chan time.Duration, n)
	start := time.Now()
	for range n {
		wg.Go(func() {
			conn, err := net.Dial("tcp", host)
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			fmt.Fprintf(conn, "POST /tasks/submit HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{", host)
			_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
			_, _ = io.Copy(io.Discard, bufio.NewReader(conn)) // until the server closes
			closed <- time.Since(start)
		})
	}
	token := s.tokenFor(t, "slow-body-neighbour")
	s.do(t, "GET", "/tasks/types", token, nil).want(t, http.StatusOK)
	wg.Wait()
	close(closed)
	var last time.Duration
	for d := range closed {
		last = max(last, d)
	}
	if last > slowBodyTimeout+10*time.Second {
		t.Fatalf("the last of %d slow bodies was held %s (the bound is %s)", n, last, slowBodyTimeout)
	}
}

// Malformed ids in a query are a 4xx naming the parameter.
func TestMalformedQueryIDs(t *testing.T) {
	t.Parallel()
	s := shared
	for _, token := range []string{s.tokenFor(t, "ids-user"), s.tokenFor(t, "ids-admin", auth.RoleAdmin)} {
		for _, q := range []string{"member=abc", "member=' OR 1=1 --", "member=" + strings.Repeat("9", 200)} {
			p := s.do(t, "GET", "/results?"+url.PathEscape(q), token, nil).problem(t, http.StatusUnprocessableEntity)
			if fields := p.fields(); len(fields) != 1 || fields[0] != "member" {
				t.Errorf("/results?%s: fields %v, want member", q, fields)
			}
		}
	}
}

// The API publishes the public key of its tokens, and nothing private.
func TestJWKS(t *testing.T) {
	t.Parallel()
	s := shared
	r := s.do(t, "GET", "/.well-known/jwks.json", "", nil).want(t, http.StatusOK)
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	r.json(t, &set)
	if len(set.Keys) != 1 || set.Keys[0]["kid"] != s.key.KeyID() || set.Keys[0]["alg"] != "ES256" || set.Keys[0]["d"] != nil {
		t.Fatalf("jwks %s", r.body)
	}
}

// loopbackListeners are the TCP ports listening on 127.0.0.1 or any
// address, from /proc/net/tcp: what another user of the host sees.
func loopbackListeners(t *testing.T) []string {
	t.Helper()
	// Only this process's sockets: the shared stack runs in it, and other
	// programs on the machine are not ours to judge.
	own := map[string]bool{}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		if link, err := os.Readlink("/proc/self/fd/" + fd.Name()); err == nil {
			if inode, ok := strings.CutPrefix(link, "socket:["); ok {
				own[strings.TrimSuffix(inode, "]")] = true
			}
		}
	}
	var out []string
	for _, table := range []struct {
		file, host    string
		loopback, any string
	}{
		{"/proc/net/tcp", "127.0.0.1", "0100007F", "00000000"},
		{"/proc/net/tcp6", "[::1]", "00000000000000000000000001000000", "00000000000000000000000000000000"},
	} {
		b, err := os.ReadFile(table.file)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "0A" || !own[f[9]] { // LISTEN, ours
				continue
			}
			ip, port, _ := strings.Cut(f[1], ":")
			if ip != table.loopback && ip != table.any {
				continue
			}
			var p int
			fmt.Sscanf(port, "%X", &p)
			out = append(out, fmt.Sprintf("%s:%d", table.host, p))
		}
	}
	return out
}

// Another user on the host lists the listening ports and tries each as a
// Temporal frontend without a token: none may answer a list of tasks.
// (The services behind the frontend, the internal frontend among them,
// trust their callers; they take only the stack's own certificate.)
func TestNoTokenlessDoorOnLoopback(t *testing.T) {
	t.Parallel()
	s := shared
	ports := loopbackListeners(t)
	if !slices.Contains(ports, s.temporal) {
		t.Fatalf("the frontend %s is not among the listeners %v", s.temporal, ports)
	}
	var wg sync.WaitGroup
	for _, addr := range ports {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			// NewLazyClient: no health check first, which the services
			// behind the frontend do not serve.
			tc, err := client.NewLazyClient(client.Options{HostPort: addr, Namespace: engine.DefaultNamespace})
			if err != nil {
				return
			}
			defer tc.Close()
			_, err = tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: engine.DefaultNamespace})
			if err == nil {
				t.Errorf("%s lists tasks without a token", addr)
			}
			// History, matching and the worker service answer a client's
			// list with Unimplemented whatever their TLS: ask what any
			// plaintext gRPC server answers, a health check. Only the
			// public frontend, which checks tokens, may take plaintext.
			if addr == s.temporal {
				return
			}
			conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				return
			}
			defer conn.Close()
			if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err == nil {
				t.Errorf("%s answers plaintext gRPC: a service behind the frontend without its certificate check", addr)
			}
		})
	}
	wg.Wait()
}

// Temporal's HTTP API, on the frontend's HTTP address, takes the same
// tokens: nothing without one or for a student, everything for an admin.
func TestTemporalHTTPAPI(t *testing.T) {
	t.Parallel()
	s := shared
	get := func(token string) (int, string) {
		req, _ := http.NewRequest("GET", "http://"+s.temporalHTTP+"/api/v1/namespaces/default/workflows", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for name, token := range map[string]string{"nobody": "", "a student": s.tokenFor(t, "http-student")} {
		if code, body := get(token); code != http.StatusForbidden && code != http.StatusUnauthorized {
			t.Errorf("%s: %d %s, want 401 or 403", name, code, body)
		}
	}
	admin := s.tokenFor(t, "http-admin", auth.RoleAdmin)
	id := s.submit(t, admin, "example_long_running", map[string]any{"duration": 0}, 0)
	eventually(t, 20*time.Second, "the task listed by the HTTP API", func() bool {
		code, body := get(admin)
		return code == http.StatusOK && strings.Contains(body, id)
	})
}
