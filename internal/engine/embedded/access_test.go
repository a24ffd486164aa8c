package embedded

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"go.temporal.io/server/common/authorization"

	"github.com/computor-org/computor-go/internal/auth"
)

func testAccess(t *testing.T) (*auth.SigningKey, *ecdsa.PrivateKey, claimMapper) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	key, err := auth.ParseSigningKey(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(auth.Config{Key: key.Public()})
	if err != nil {
		t.Fatal(err)
	}
	return key, priv, claimMapper{access: &Access{Verifier: v}}
}

func mint(t *testing.T, key *auth.SigningKey, ttl time.Duration, roles ...string) string {
	t.Helper()
	tok, err := key.Mint(auth.Token{Subject: "u", Roles: roles, TTL: ttl, Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// The claim mapper: a role becomes Temporal's claims; a token the API
// would refuse gets no claims at all.
func TestClaimMapper(t *testing.T) {
	t.Parallel()
	key, priv, m := testAccess(t)
	other, _ := auth.NewSigningKey()
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"sub": "u", "iss": auth.Issuer,
		"exp": time.Now().Add(time.Hour).Unix()}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	old := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{"sub": "u", "iss": auth.Issuer,
		"roles": []string{auth.RoleAdmin}, "exp": time.Now().Add(-time.Hour).Unix()})
	old.Header["kid"] = key.KeyID()
	expired, err := old.SignedString(priv)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		header  string
		system  authorization.Role
		service string
		refused bool
	}{
		{"admin", "Bearer " + mint(t, key, time.Hour, auth.RoleAdmin), authorization.RoleAdmin, "", false},
		{"bearer in other case", "bearer " + mint(t, key, time.Hour, auth.RoleAdmin), authorization.RoleAdmin, "", false},
		{"the API", "Bearer " + mint(t, key, time.Hour, auth.RoleAPIService), 0, auth.RoleAPIService, false},
		{"a worker", "Bearer " + mint(t, key, time.Hour, auth.RoleWorkerService), 0, auth.RoleWorkerService, false},
		{"dev's API and worker in one", "Bearer " + mint(t, key, time.Hour, auth.RoleWorkerService, auth.RoleAPIService), 0,
			auth.RoleAPIService + "," + auth.RoleWorkerService, false},
		{"a student", "Bearer " + mint(t, key, time.Hour), 0, "", false},
		{"a tutor", "Bearer " + mint(t, key, time.Hour, "tutor", "lecturer"), 0, "", false},
		{"no scheme", mint(t, key, time.Hour, auth.RoleAdmin), 0, "", true},
		{"basic", "Basic dTpw", 0, "", true},
		{"alg none", "Bearer " + none, 0, "", true},
		{"another key", "Bearer " + mint(t, other, time.Hour, auth.RoleAdmin), 0, "", true},
		{"expired", "Bearer " + expired, 0, "", true},
		{"too long lived", "Bearer " + mint(t, key, 40*24*time.Hour, auth.RoleAdmin), 0, "", true},
	} {
		c, err := m.GetClaims(&authorization.AuthInfo{AuthToken: tc.header})
		if tc.refused {
			if err == nil {
				t.Errorf("%s: claims %+v, want a refusal", tc.name, c)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		sc, _ := c.Extensions.(serviceClaims)
		if c.System != tc.system || strings.Join(sc.roles, ",") != tc.service || len(c.Namespaces) != 0 || c.Subject != "u" {
			t.Errorf("%s: claims %+v, want system %v and service %q", tc.name, c, tc.system, tc.service)
		}
		if tc.service != "" && strings.Join(sc.namespaces, ",") != "default" {
			t.Errorf("%s: service namespaces %v, want the token's [default]", tc.name, sc.namespaces)
		}
	}
}

// The authorizer: health checks for all, everything for admins, each
// service its calls, nothing for anyone else.
func TestAuthorizer(t *testing.T) {
	t.Parallel()
	a := authorizer{logger: slog.New(slog.DiscardHandler)}
	const ws = "/temporal.api.workflowservice.v1.WorkflowService/"
	admin := &authorization.Claims{Subject: "a", System: authorization.RoleAdmin}
	def := []string{"default"}
	api := &authorization.Claims{Subject: "api", Extensions: serviceClaims{roles: []string{auth.RoleAPIService}, namespaces: def}}
	worker := &authorization.Claims{Subject: "w", Extensions: serviceClaims{roles: []string{auth.RoleWorkerService}, namespaces: def}}
	both := &authorization.Claims{Subject: "dev", Extensions: serviceClaims{roles: []string{auth.RoleAPIService, auth.RoleWorkerService}, namespaces: def}}
	student := &authorization.Claims{Subject: "s"}
	type call struct {
		claims    *authorization.Claims
		method    string
		allow     bool
		namespace string
	}
	calls := []call{
		// A service only in its token's namespaces, never in the system's.
		{api, ws + "StartWorkflowExecution", false, "courses-2027"},
		{worker, ws + "PollWorkflowTaskQueue", false, "courses-2027"},
		{worker, ws + "PollWorkflowTaskQueue", false, "temporal-system"},
		{&authorization.Claims{Subject: "sys", Extensions: serviceClaims{roles: []string{auth.RoleAPIService}, namespaces: []string{"temporal-system"}}},
			ws + "StartWorkflowExecution", false, "temporal-system"},
		{admin, ws + "ListWorkflowExecutions", true, "courses-2027"},
	}
	for _, tc := range []struct {
		claims *authorization.Claims
		method string
		allow  bool
	}{
		{nil, "/grpc.health.v1.Health/Check", true},
		{nil, ws + "GetSystemInfo", true},
		{nil, ws + "ListWorkflowExecutions", false},
		{student, ws + "ListWorkflowExecutions", false},
		{student, ws + "DescribeWorkflowExecution", false},
		{student, ws + "TerminateWorkflowExecution", false},
		{admin, ws + "TerminateWorkflowExecution", true},
		{admin, ws + "UpdateNamespace", true},
		{admin, "/temporal.api.operatorservice.v1.OperatorService/AddSearchAttributes", true},
		{api, ws + "StartWorkflowExecution", true},
		{api, ws + "RequestCancelWorkflowExecution", true},
		{api, ws + "GetWorkflowExecutionHistory", true},
		{api, ws + "TerminateWorkflowExecution", false},
		{api, ws + "SignalWorkflowExecution", false},
		{api, ws + "ResetWorkflowExecution", false},
		{api, ws + "UpdateNamespace", false},
		{api, ws + "PollActivityTaskQueue", false},
		{api, "/temporal.api.operatorservice.v1.OperatorService/AddSearchAttributes", false},
		{worker, ws + "PollWorkflowTaskQueue", true},
		{worker, ws + "RespondActivityTaskCompleted", true},
		{worker, ws + "RecordActivityTaskHeartbeat", true},
		{worker, ws + "StartWorkflowExecution", false},
		{worker, ws + "ListWorkflowExecutions", false},
		{worker, ws + "TerminateWorkflowExecution", false},
		{both, ws + "StartWorkflowExecution", true},
		{both, ws + "PollWorkflowTaskQueue", true},
		{both, ws + "TerminateWorkflowExecution", false},
		{both, ws + "UpdateNamespace", false},
	} {
		calls = append(calls, call{tc.claims, tc.method, tc.allow, "default"})
	}
	for _, tc := range calls {
		ns := tc.namespace
		res, err := a.Authorize(t.Context(), tc.claims, &authorization.CallTarget{APIName: tc.method, Namespace: ns})
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Decision == authorization.DecisionAllow; got != tc.allow {
			who := "nobody"
			if tc.claims != nil {
				who = tc.claims.Subject
			}
			t.Errorf("%s calls %s in %s: allowed %v, want %v", who, tc.method, ns, got, tc.allow)
		}
	}
}
