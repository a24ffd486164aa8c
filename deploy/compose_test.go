// Package deploy_test checks the compose files of this directory. No Docker
// engine runs here, so the files are loaded with the Compose
// specification's own Go loader (compose-go), which parses, interpolates,
// validates against the schema and checks references between services the
// way `docker compose config` does, and the loaded model is then checked
// against what Computor needs. Nothing is pulled, built or started.
package deploy_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

const secretVar = "COMPUTOR_JWT_SECRET"

// oneShot are the jobs that run once per `up` and exit.
var oneShot = []string{"temporal-schema", "temporal-namespace"}

// computorServices run the computor image: the API and the workers.
var computorServices = []string{"api", "temporal-worker", "temporal-worker-scaled"}

// startOrder is how Temporal comes up: schema, server, namespace. The API
// and workers wait for the last two (see checkComputor).
var startOrder = []struct{ service, on, condition string }{
	{"temporal-schema", "temporal-postgres", types.ServiceConditionHealthy},
	{"temporal", "temporal-schema", types.ServiceConditionCompletedSuccessfully},
	{"temporal-namespace", "temporal", types.ServiceConditionHealthy},
	{"temporal-ui", "temporal", types.ServiceConditionHealthy},
}

// devServices are the services of the dev file; prod adds the scaled workers.
var devServices = []string{"api", "temporal", "temporal-namespace", "temporal-postgres",
	"temporal-schema", "temporal-ui", "temporal-worker"}

// files are the compose files and the services each must define (sorted).
var files = []struct {
	name     string
	prod     bool
	services []string
}{
	{"docker-compose-dev.yaml", false, devServices},
	{"docker-compose-prod.yaml", true, append(slices.Clone(devServices), "temporal-worker-scaled")},
}

// load loads a compose file the way `docker compose` would, but with env
// as its only environment (never the process's) and without resolving
// paths, pulling or building.
func load(t *testing.T, name string, env map[string]string) (*types.Project, error) {
	t.Helper()
	content, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	wd, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	return loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  wd,
		ConfigFiles: []types.ConfigFile{{Filename: name, Content: content}},
		Environment: env,
	}, func(o *loader.Options) { o.ResolvePaths = false })
}

// goModVersion returns the version go.mod requires of module, without "v".
func goModVersion(t *testing.T, module string) string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for s := bufio.NewScanner(f); s.Scan(); {
		if fields := strings.Fields(s.Text()); len(fields) >= 2 && fields[0] == module {
			return strings.TrimPrefix(fields[1], "v")
		}
	}
	t.Fatalf("go.mod requires no %s", module)
	return ""
}

// TestComposeFiles loads each file and checks its services: names, health
// checks, restart policies, pinned images, start order, ports and commands.
func TestComposeFiles(t *testing.T) {
	// The Temporal images must be the server and UI versions that go.mod
	// pins, which the tests run against.
	wantTag := map[string]string{
		"temporalio/server":      goModVersion(t, "go.temporal.io/server"),
		"temporalio/admin-tools": goModVersion(t, "go.temporal.io/server"),
		"temporalio/ui":          goModVersion(t, "github.com/temporalio/ui-server/v2"),
	}
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			p, err := load(t, f.name, map[string]string{secretVar: strings.Repeat("s", 32)})
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			if got := slices.Sorted(slices.Values(p.ServiceNames())); !slices.Equal(got, f.services) {
				t.Errorf("services = %v, want %v", got, f.services)
			}
			for name, s := range p.Services {
				job := slices.Contains(oneShot, name)
				if job && s.Restart != "" && s.Restart != types.RestartPolicyNo {
					t.Errorf("%s: one-shot job has restart %q", name, s.Restart)
				}
				if !job && (s.HealthCheck == nil || s.HealthCheck.Disable || len(s.HealthCheck.Test) == 0) {
					t.Errorf("%s: no health check", name)
				}
				if !job && f.prod && s.Restart != types.RestartPolicyUnlessStopped {
					t.Errorf("%s: restart %q, want unless-stopped in prod", name, s.Restart)
				}
				repo, tag, ok := strings.Cut(s.Image, ":")
				if !ok || tag == "" || tag == "latest" || strings.Contains(tag, "/") {
					t.Errorf("%s: image %q is not pinned to a tag", name, s.Image)
				}
				if want, ok := wantTag[repo]; ok && tag != want {
					t.Errorf("%s: image %s, want tag %s (go.mod)", name, s.Image, want)
				}
				if strings.HasPrefix(repo, "postgres") && len(s.Ports) > 0 {
					t.Errorf("%s: publishes PostgreSQL", name)
				}
				if slices.Contains(computorServices, name) {
					checkComputor(t, name, s)
				}
			}
			for _, d := range startOrder {
				if got := p.Services[d.service].DependsOn[d.on].Condition; got != d.condition {
					t.Errorf("%s: depends_on %s %q, want %q", d.service, d.on, got, d.condition)
				}
			}
			checkPort(t, p, "api", "8000", 8000)
			checkPort(t, p, "temporal-ui", "8088", 8080)
			checkCommand(t, p, "api", "api", "--api-addr", "0.0.0.0:8000")
			checkCommand(t, p, "temporal-worker", "worker", "--metrics-addr", "0.0.0.0:9090")
			if f.prod {
				scaled := p.Services["temporal-worker-scaled"]
				checkCommand(t, p, "temporal-worker-scaled", "worker", "--high-priority", "--metrics-addr", "0.0.0.0:9090")
				if n := scaled.GetScale(); n != 2 {
					t.Errorf("temporal-worker-scaled: %d replicas, want 2", n)
				}
				if len(scaled.Ports) > 0 {
					t.Errorf("temporal-worker-scaled publishes ports %v; its replicas would clash", scaled.Ports)
				}
			}
		})
	}
}

// checkComputor checks a service running the computor image: where it finds
// Temporal, what it waits for, and what the sandbox of a worker needs.
func checkComputor(t *testing.T, name string, s types.ServiceConfig) {
	t.Helper()
	if v := s.Environment.ToMapping()["TEMPORAL_ADDRESS"]; v != "temporal:7233" {
		t.Errorf("%s: TEMPORAL_ADDRESS = %q, want temporal:7233", name, v)
	}
	for on, want := range map[string]string{"temporal": types.ServiceConditionHealthy,
		"temporal-namespace": types.ServiceConditionCompletedSuccessfully} {
		if got := s.DependsOn[on].Condition; got != want {
			t.Errorf("%s: depends_on %s %q, want %q", name, on, got, want)
		}
	}
	if name == "api" {
		return
	}
	// internal/sandbox: root, an init that reaps, and nested namespaces.
	if init := s.Init != nil && *s.Init; s.User != "0:0" || !init {
		t.Errorf("%s: user %q, init %v; the sandbox needs root and an init", name, s.User, init)
	}
	for _, opt := range []string{"seccomp=unconfined", "apparmor=unconfined", "systempaths=unconfined"} {
		if !slices.Contains(s.SecurityOpt, opt) {
			t.Errorf("%s: security_opt %v lacks %s", name, s.SecurityOpt, opt)
		}
	}
}

// checkPort checks that service publishes target on host port published.
func checkPort(t *testing.T, p *types.Project, service, published string, target uint32) {
	t.Helper()
	for _, port := range p.Services[service].Ports {
		if port.Published == published && port.Target == target {
			return
		}
	}
	t.Errorf("%s: ports %+v, want %s->%d", service, p.Services[service].Ports, published, target)
}

// checkCommand checks the command of service.
func checkCommand(t *testing.T, p *types.Project, service string, want ...string) {
	t.Helper()
	if got := p.Services[service].Command; !slices.Equal(got, want) {
		t.Errorf("%s: command %q, want %q", service, got, want)
	}
}

// TestSecretRequired checks that both files refuse to load without the JWT
// secret, naming the variable.
func TestSecretRequired(t *testing.T) {
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			_, err := load(t, f.name, map[string]string{})
			if err == nil || !strings.Contains(err.Error(), secretVar) {
				t.Fatalf("load without %s: err = %v, want one naming it", secretVar, err)
			}
		})
	}
}
