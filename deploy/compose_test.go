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
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// secretVar is the HS256 secret Computor no longer takes; a service that
// sets it would not start.
const secretVar = "COMPUTOR_JWT_SECRET"

// keyVar names the ES256 signing key of Computor's tokens.
const keyVar = "COMPUTOR_JWT_KEY_FILE"

// The volumes of the signing key: the private key (for the computor
// services only) and its public JWKS (for Temporal).
const (
	keysVolume = "computor-keys"
	jwksVolume = "computor-jwks"
)

// keysJob makes the key and writes the JWKS; it alone mounts the private
// key writable.
const keysJob = "computor-keys"

// oneShot are the jobs that run once per `up` and exit.
var oneShot = []string{keysJob, "temporal-schema", "temporal-namespace"}

// computorServices run the computor image: the API and the workers.
var computorServices = []string{"api", "temporal-worker", "temporal-worker-scaled"}

// keyedServices sign or check tokens with the key: they need
// COMPUTOR_JWT_KEY_FILE and the key volume, read-only.
var keyedServices = append(slices.Clone(computorServices), "ui", "temporal-namespace")

// temporalServices are what the server must start: the internal frontend
// is the one its own system workers call once the frontend checks tokens.
var temporalServices = []string{"frontend", "internal-frontend", "history", "matching", "worker"}

// startOrder is how Temporal comes up: the key, schema, server, namespace,
// and the Web UI. The API and workers wait for the server and the
// namespace (see checkComputor).
var startOrder = []struct{ service, on, condition string }{
	{"temporal-schema", "temporal-postgres", types.ServiceConditionHealthy},
	{"temporal", keysJob, types.ServiceConditionCompletedSuccessfully},
	{"temporal", "temporal-schema", types.ServiceConditionCompletedSuccessfully},
	{"temporal-namespace", "temporal", types.ServiceConditionHealthy},
	{"ui", "temporal", types.ServiceConditionHealthy},
}

// devServices are the services of the dev file; prod adds the scaled workers.
var devServices = []string{"api", keysJob, "temporal", "temporal-namespace", "temporal-postgres",
	"temporal-schema", "temporal-worker", "ui"}

// files are the compose files and the services each must define (sorted).
var files = []struct {
	name     string
	prod     bool
	services []string
}{
	{"docker-compose-dev.yaml", false, devServices},
	{"docker-compose-prod.yaml", true, slices.Sorted(slices.Values(append(slices.Clone(devServices), "temporal-worker-scaled")))},
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
// checks, restart policies, pinned images, start order, ports, commands,
// and where the signing key and its JWKS go.
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
			// An empty environment: the files need no secret (nor any
			// other variable) to load.
			p, err := load(t, f.name, map[string]string{})
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
				if _, ok := s.Environment[secretVar]; ok {
					t.Errorf("%s: sets %s, which Computor refuses (it signs with %s)", name, secretVar, keyVar)
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
			checkKeys(t, p)
			checkTemporalAuth(t, p)
			checkPort(t, p, "api", "8000", 8000)
			checkPort(t, p, "ui", "8088", 8088)
			checkLoopbackOnly(t, p, "ui")
			checkCommand(t, p, "api", "api", "--api-addr", "0.0.0.0:8000", "--metrics-addr", "0.0.0.0:9091")
			checkMetricsUnpublished(t, p, "api")
			checkCommand(t, p, "ui", "ui", "--ui-addr", "0.0.0.0:8088")
			if hc := p.Services["ui"].HealthCheck; hc == nil || !slices.Contains(hc.Test, "http://127.0.0.1:8088/_computor/login") {
				t.Errorf("ui: health check %+v, want one of /_computor/login", hc)
			}
			checkCommand(t, p, "temporal-namespace", "namespace", "create", "--retention", "168h", "--timeout", "2m", "default")
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

// mounts returns the mounts of the named volume in s.
func mounts(s types.ServiceConfig, volume string) []types.ServiceVolumeConfig {
	var out []types.ServiceVolumeConfig
	for _, v := range s.Volumes {
		if v.Type == types.VolumeTypeVolume && v.Source == volume {
			out = append(out, v)
		}
	}
	return out
}

// under returns path relative to dir, if path is inside dir.
func under(path, dir string) (string, bool) {
	rel, err := filepath.Rel(dir, path)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, "../") || !filepath.IsAbs(path) {
		return "", false
	}
	return rel, true
}

// checkKeys checks where the private signing key goes: the keys job
// writes it, the services that sign or check tokens read it (as root, the
// key being root's and 0600) from a read-only mount, and no other service
// mounts it; and that the job writes the key and the JWKS where the others
// look for them.
func checkKeys(t *testing.T, p *types.Project) {
	t.Helper()
	keyFile, keyRel := "", ""
	for name, s := range p.Services {
		m := mounts(s, keysVolume)
		switch {
		case name == keysJob:
			continue
		case !slices.Contains(keyedServices, name):
			if len(m) > 0 {
				t.Errorf("%s: mounts %s, the private signing key; only %s and %v may", name, keysVolume, keysJob, keyedServices)
			}
			continue
		}
		file := s.Environment.ToMapping()[keyVar]
		if file == "" {
			t.Errorf("%s: no %s", name, keyVar)
			continue
		}
		if keyFile == "" {
			keyFile = file
		} else if file != keyFile {
			t.Errorf("%s: %s = %q, others %q", name, keyVar, file, keyFile)
		}
		if len(m) != 1 {
			t.Errorf("%s: %d mounts of %s, want 1 (read-only)", name, len(m), keysVolume)
			continue
		}
		if !m[0].ReadOnly {
			t.Errorf("%s: mounts %s writable; only %s writes it", name, keysVolume, keysJob)
		}
		rel, ok := under(file, m[0].Target)
		if !ok {
			t.Errorf("%s: %s = %q is not in its mount of %s at %s", name, keyVar, file, keysVolume, m[0].Target)
			continue
		}
		keyRel = rel
		if s.User != "0:0" {
			t.Errorf("%s: user %q; the key is root's, mode 0600: want 0:0", name, s.User)
		}
	}

	job := p.Services[keysJob]
	if !slices.Equal(job.Entrypoint, []string{"/bin/sh", "-ec"}) {
		t.Errorf("%s: entrypoint %q, want /bin/sh -ec", keysJob, job.Entrypoint)
	}
	if job.User != "0:0" {
		t.Errorf("%s: user %q, want 0:0 (as the services that read the key)", keysJob, job.User)
	}
	script := strings.Join(job.Command, "\n")
	km, jm := mounts(job, keysVolume), mounts(job, jwksVolume)
	if len(km) != 1 || km[0].ReadOnly {
		t.Errorf("%s: mounts of %s %+v, want one writable", keysJob, keysVolume, km)
	} else if want := "computor key create " + filepath.Join(km[0].Target, keyRel); keyRel == "" || !strings.Contains(script, want) {
		t.Errorf("%s: command %q lacks %q", keysJob, script, want)
	}
	if len(jm) != 1 || jm[0].ReadOnly {
		t.Errorf("%s: mounts of %s %+v, want one writable", keysJob, jwksVolume, jm)
		return
	}
	// The JWKS must be where Temporal reads it (see checkTemporalAuth).
	src, ok := jwksFile(p.Services["temporal"])
	if !ok {
		return
	}
	if want := filepath.Join(jm[0].Target, src) + "\n"; !strings.Contains(script+"\n", want) || !strings.Contains(script, "computor key jwks") {
		t.Errorf("%s: command %q does not write the JWKS (computor key jwks) to %s", keysJob, script, strings.TrimSpace(want))
	}
}

// jwksFile returns the file of TEMPORAL_JWT_KEY_SOURCE1 relative to the
// temporal service's mount of the JWKS volume.
func jwksFile(s types.ServiceConfig) (string, bool) {
	u, err := url.Parse(s.Environment.ToMapping()["TEMPORAL_JWT_KEY_SOURCE1"])
	if err != nil || u.Scheme != "file" {
		return "", false
	}
	for _, m := range mounts(s, jwksVolume) {
		if rel, ok := under(u.Path, m.Target); ok && m.ReadOnly {
			return rel, true
		}
	}
	return "", false
}

// checkTemporalAuth checks that the Temporal server runs its standard JWT
// authorizer, with the keys of Computor's JWKS, and the internal frontend
// that its own workers then need; and that it never sees the private key.
func checkTemporalAuth(t *testing.T, p *types.Project) {
	t.Helper()
	s := p.Services["temporal"]
	env := s.Environment.ToMapping()
	for k, want := range map[string]string{
		"TEMPORAL_AUTH_AUTHORIZER":   "default",
		"TEMPORAL_AUTH_CLAIM_MAPPER": "default",
	} {
		if env[k] != want {
			t.Errorf("temporal: %s = %q, want %q", k, env[k], want)
		}
	}
	if v := env["TEMPORAL_JWT_PERMISSIONS_CLAIM"]; v != "" && v != "permissions" {
		t.Errorf("temporal: TEMPORAL_JWT_PERMISSIONS_CLAIM = %q; Computor's tokens carry \"permissions\"", v)
	}
	if _, ok := jwksFile(s); !ok {
		t.Errorf("temporal: TEMPORAL_JWT_KEY_SOURCE1 = %q is no file:// URI in a read-only mount of %s (mounts %+v)",
			env["TEMPORAL_JWT_KEY_SOURCE1"], jwksVolume, s.Volumes)
	}
	if env["USE_INTERNAL_FRONTEND"] == "" {
		t.Error("temporal: USE_INTERNAL_FRONTEND unset; the server's own workers need the internal frontend under an authorizer")
	}
	services := strings.Split(env["TEMPORAL_SERVICES"], ",")
	for _, svc := range temporalServices {
		if !slices.Contains(services, svc) {
			t.Errorf("temporal: TEMPORAL_SERVICES = %q lacks %s", env["TEMPORAL_SERVICES"], svc)
		}
	}
	if m := mounts(s, keysVolume); len(m) > 0 {
		t.Errorf("temporal: mounts %s, the private signing key; it needs the JWKS only", keysVolume)
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

// checkLoopbackOnly checks that service publishes on the host's 127.0.0.1
// only.
func checkLoopbackOnly(t *testing.T, p *types.Project, service string) {
	t.Helper()
	for _, port := range p.Services[service].Ports {
		if port.HostIP != "127.0.0.1" {
			t.Errorf("%s: publishes %d on host address %q, want 127.0.0.1 only", service, port.Target, port.HostIP)
		}
	}
}

// checkMetricsUnpublished checks that service serves /metrics on a port of
// its own (--metrics-addr), which it does not publish.
func checkMetricsUnpublished(t *testing.T, p *types.Project, service string) {
	t.Helper()
	s := p.Services[service]
	i := slices.Index(s.Command, "--metrics-addr")
	if i < 0 || i+1 >= len(s.Command) {
		t.Errorf("%s: command %q has no --metrics-addr", service, s.Command)
		return
	}
	_, port, err := net.SplitHostPort(s.Command[i+1])
	if err != nil {
		t.Errorf("%s: --metrics-addr %q: %v", service, s.Command[i+1], err)
		return
	}
	for _, pc := range s.Ports {
		if strconv.FormatUint(uint64(pc.Target), 10) == port {
			t.Errorf("%s: publishes its metrics port %s", service, port)
		}
	}
}

// checkCommand checks the command of service.
func checkCommand(t *testing.T, p *types.Project, service string, want ...string) {
	t.Helper()
	if got := p.Services[service].Command; !slices.Equal(got, want) {
		t.Errorf("%s: command %q, want %q", service, got, want)
	}
}
