package embedded

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	"go.temporal.io/server/common/authorization"

	"github.com/computor-org/computor-go/internal/auth"
)

// Access puts the embedded frontend behind the API's tokens: every call
// carries a bearer token that Verifier accepts, and the caller's roles
// decide what it may call. Without it the frontend takes anyone who
// reaches its port.
type Access struct {
	// Verifier checks the tokens, as the API does.
	Verifier interface {
		Verify(ctx context.Context, token string) (*auth.Claims, error)
	}
	// Logger receives a line for each refused call.
	Logger *slog.Logger
}

// serviceCalls are what each service may call, by method name, in the
// namespaces its token names. Temporal knows no owner of a workflow: whoever may
// read the namespace reads every student's tasks, their inputs and
// results. So people other than admins get nothing at the frontend, and
// each service only the calls it makes.
var serviceCalls = map[string]map[string]bool{
	// The API starts, reads, lists and cancels tasks, and checks the
	// namespace and its task queues.
	auth.RoleAPIService: set(
		"StartWorkflowExecution", "DescribeWorkflowExecution", "GetWorkflowExecutionHistory",
		"ListWorkflowExecutions", "CountWorkflowExecutions", "RequestCancelWorkflowExecution",
		"DescribeTaskQueue", "DescribeNamespace", "ListSearchAttributes",
	),
	// A worker polls its queues, reports what it did, and reads the
	// history of a workflow it picks up again.
	auth.RoleWorkerService: set(
		"PollWorkflowTaskQueue", "PollActivityTaskQueue", "PollNexusTaskQueue",
		"RespondWorkflowTaskCompleted", "RespondWorkflowTaskFailed", "RespondQueryTaskCompleted",
		"RespondActivityTaskCompleted", "RespondActivityTaskFailed", "RespondActivityTaskCanceled",
		"RecordActivityTaskHeartbeat",
		"GetWorkflowExecutionHistory", "ResetStickyTaskQueue", "ShutdownWorker", "RecordWorkerHeartbeat",
		"DescribeNamespace", "ListSearchAttributes", "DescribeTaskQueue",
	),
}

var errNoBearer = errors.New("authorization header is not a bearer token")

// systemNamespace is the Temporal server's own namespace.
const systemNamespace = "temporal-system"

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// serviceClaims mark a service's claims with its roles, and the
// namespaces its token is for.
type serviceClaims struct {
	roles      []string
	namespaces []string
}

// allows reports whether one of the roles may make the call.
func (sc serviceClaims) allows(method string) bool {
	for _, r := range sc.roles {
		if serviceCalls[r][method] {
			return true
		}
	}
	return false
}

// claimMapper turns a bearer token into Temporal's claims: admins are the
// system's admins, a service is known by its role, anyone else has no
// role at all.
type claimMapper struct {
	access *Access
}

func (m claimMapper) GetClaims(ai *authorization.AuthInfo) (*authorization.Claims, error) {
	scheme, token, ok := strings.Cut(ai.AuthToken, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return nil, errNoBearer
	}
	// GetClaims has no context; a JWKS fetch gets a bound of its own.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := m.access.Verifier.Verify(ctx, strings.TrimSpace(token))
	if err != nil {
		return nil, err
	}
	out := &authorization.Claims{Subject: c.Subject, AuthType: "jwt"}
	if c.IsAdmin() {
		out.System = authorization.RoleAdmin
		return out, nil
	}
	// Service roles count only in tokens of Computor's own key: an
	// identity provider's users are people.
	if !c.Own {
		return out, nil
	}
	sc := serviceClaims{namespaces: c.Namespaces}
	for _, r := range []string{auth.RoleAPIService, auth.RoleWorkerService} {
		if c.HasRole(r) {
			sc.roles = append(sc.roles, r)
		}
	}
	if sc.roles != nil {
		out.Extensions = sc
	}
	return out, nil
}

// authorizer allows health checks to anyone, everything to the system's
// admins (Computor's admins, and the server's own internal frontend), and
// to a service the calls of its role; nothing else.
type authorizer struct {
	logger *slog.Logger
}

var (
	allow = authorization.Result{Decision: authorization.DecisionAllow}
	deny  = authorization.Result{Decision: authorization.DecisionDeny}
)

func (a authorizer) Authorize(_ context.Context, c *authorization.Claims, t *authorization.CallTarget) (authorization.Result, error) {
	if authorization.IsHealthCheckAPI(t.APIName) {
		return allow, nil
	}
	if c == nil {
		a.refuse("", t, "no token")
		return deny, nil
	}
	if c.System == authorization.RoleAdmin {
		return allow, nil
	}
	sc, ok := c.Extensions.(serviceClaims)
	if !ok {
		a.refuse(c.Subject, t, "neither an admin nor a service")
		return deny, nil
	}
	// A service acts only in the namespaces its token names, and never in
	// the server's own: whoever starts a system workflow there has it run
	// with the system's rights.
	if t.Namespace == systemNamespace || !slices.Contains(sc.namespaces, t.Namespace) {
		a.refuse(c.Subject, t, "not a namespace of the token")
		return deny, nil
	}
	method := t.APIName[strings.LastIndexByte(t.APIName, '/')+1:]
	if !sc.allows(method) {
		a.refuse(c.Subject, t, "not a call of the roles "+strings.Join(sc.roles, ", "))
		return deny, nil
	}
	return allow, nil
}

func (a authorizer) refuse(subject string, t *authorization.CallTarget, why string) {
	a.logger.Warn("temporal frontend refused a call", "subject", subject, "api", t.APIName, "namespace", t.Namespace, "why", why)
}
