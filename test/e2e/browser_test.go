package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/computor-org/computor-go/internal/auth"
)

// artifactDir keeps the browser test's screenshots after the run, for CI
// to collect: $COMPUTOR_ARTIFACTS, or computor-e2e-artifacts in the
// system's temporary directory.
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("COMPUTOR_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "computor-e2e-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser starts a headless Chromium (Debian's package) of its own.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed (scripts/test.sh installs it: apt-get install chromium): %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox, // root in CI; the page is our own
		chromedp.WindowSize(1400, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return ctx
}

// A real browser logs in to the Temporal Web UI with an admin's token and
// sees the task list; a student who pastes their token is turned away.
func TestWebUIInABrowser(t *testing.T) {
	t.Parallel()
	s := shared
	admin := s.tokenFor(t, "browser-admin", auth.RoleAdmin)
	id := s.submit(t, admin, "example_long_running", map[string]any{"duration": 0, "message": "seen in a browser"}, 0)
	s.await(t, admin, id)
	base := "http://" + s.ui
	shots := artifactDir(t)

	login := func(ctx context.Context, token string) error {
		return chromedp.Do(ctx,
			chromedp.Navigate(base+"/"),
			chromedp.WaitVisible(chromedp.ID("token")),
			chromedp.SetValue(chromedp.ID("token"), token),
			chromedp.Click(chromedp.ID("login")),
		)
	}

	// The admin: redirected to the login, in, and the UI (which renders
	// late, in JavaScript) lists the task.
	ctx := browser(t)
	if err := login(ctx, admin); err != nil {
		t.Fatalf("the admin's login: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.Search(`//a[contains(@href, "`+id+`")]`))); err != nil {
		t.Fatalf("the admin does not see the task in the UI: %v", err)
	}
	location, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || strings.Contains(location, "/_computor/login") {
		t.Fatalf("the admin is at %s (%v)", location, err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	admShot := filepath.Join(shots, "webui-admin.png")
	if err := os.WriteFile(admShot, shot, 0o644); err != nil {
		t.Fatal(err)
	}

	// A student: the login page says no, and the UI stays closed.
	ctx = browser(t)
	if err := login(ctx, s.tokenFor(t, "browser-student")); err != nil {
		t.Fatalf("the student's login: %v", err)
	}
	message, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("error")))
	if err != nil || !strings.Contains(message, "Only admins") {
		t.Fatalf("the student saw %q (%v)", message, err)
	}
	if shot, err = chromedp.Run(ctx, chromedp.FullScreenshot(100)); err != nil {
		t.Fatal(err)
	}
	stuShot := filepath.Join(shots, "webui-student.png")
	if err := os.WriteFile(stuShot, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx, chromedp.Navigate(base+"/namespaces/default/workflows"), chromedp.WaitVisible(chromedp.ID("token")))
	if location, _ = chromedp.Run(ctx, chromedp.Location()); err != nil || !strings.Contains(location, "/_computor/login") {
		t.Fatalf("the student reached %s (%v)", location, err)
	}
	t.Logf("screenshots: %s, %s", admShot, stuShot)
}

// GET /docs shows the API's operations in a real browser, from the files
// the binary embeds alone and within its Content-Security-Policy.
func TestDocsInABrowser(t *testing.T) {
	t.Parallel()
	s := shared
	ctx := browser(t)
	var mu sync.Mutex
	var complaints []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError {
				complaints = append(complaints, fmt.Sprintf("%s: %s (%s)", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
			}
		case *runtime.EventExceptionThrown:
			complaints = append(complaints, "exception: "+ev.ExceptionDetails.Text)
		}
	}); err != nil {
		t.Fatal(err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err := chromedp.Do(waitCtx,
		chromedp.Navigate(s.api+"/docs"),
		chromedp.WaitVisible(chromedp.CSS(`.opblock-summary-path[data-path="/tasks/submit"]`)),
	)
	shot, shotErr := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if shotErr != nil {
		t.Fatal(shotErr)
	}
	path := filepath.Join(artifactDir(t), "docs.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	if err != nil {
		t.Errorf("the docs show no POST /tasks/submit: %v", err)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".opblock").length`))
	if err != nil || n < 10 {
		t.Errorf("the docs show %d operations (%v)", n, err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, c := range complaints {
		t.Errorf("the browser complained: %s", c)
	}
}
