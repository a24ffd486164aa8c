package e2e

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/engine"
)

func TestNamespaceCreate(t *testing.T) {
	t.Parallel()
	s := shared
	ctx := context.Background()

	// A worker on a namespace that does not exist says so and how to fix it.
	var out, errOut bytes.Buffer
	err := computor(ctx, []string{"worker", "--temporal-addr", s.temporal, "--namespace", "courses-2027", "--data-dir", t.TempDir()}, &out, &errOut, "COMPUTOR_JWT_KEY_FILE="+shared.keyFile)
	if err == nil || !strings.Contains(err.Error(), `namespace "courses-2027" does not exist`) || !strings.Contains(err.Error(), "computor namespace create courses-2027") {
		t.Fatalf("worker on a missing namespace: %v", err)
	}

	// Creating it twice is fine; the second time changes nothing.
	for range 2 {
		out.Reset()
		if err := computor(ctx, []string{"namespace", "create", "--temporal-addr", s.temporal, "--retention", "72h", "courses-2027"}, &out, &errOut, "COMPUTOR_JWT_KEY_FILE="+shared.keyFile); err != nil {
			t.Fatalf("namespace create: %v\n%s", err, errOut.String())
		}
		if !strings.Contains(out.String(), `namespace "courses-2027" is ready`) {
			t.Fatalf("output: %q", out.String())
		}
	}
	tc, err := engine.Dial(ctx, s.clientConfig(t, "courses-2027", auth.RoleAdmin))
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	ns, err := tc.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: "courses-2027"})
	if err != nil {
		t.Fatal(err)
	}
	if got := ns.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration().Hours(); got != 72 {
		t.Fatalf("retention %vh, want 72h", got)
	}
	attrs, err := tc.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "courses-2027"})
	if err != nil {
		t.Fatal(err)
	}
	for name, typ := range engine.SearchAttributes() {
		if attrs.GetCustomAttributes()[name] != typ {
			t.Fatalf("search attribute %s = %v, want %v", name, attrs.GetCustomAttributes()[name], typ)
		}
	}

	// No server: the error says where it looked and what to check.
	err = computor(ctx, []string{"namespace", "create", "--temporal-addr", freeAddr(), "--timeout", "5s"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "is the server up, TEMPORAL_ADDRESS right") {
		t.Fatalf("no server: %v", err)
	}

	// Bad flags are refused before anything is dialled.
	for _, args := range [][]string{
		{"namespace"},
		{"namespace", "delete", "x"},
		{"namespace", "create", "--retention", "1h", "x"},
		{"namespace", "create", "a", "b"},
	} {
		if err := computor(ctx, args, &out, &errOut); err == nil {
			t.Fatalf("%v: no error", args)
		}
	}
}
