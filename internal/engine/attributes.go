package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/types/known/durationpb"
)

// Search attributes Computor sets on every task, so the API can filter by
// them and the Web UI shows them.
const (
	// AttrSubmitter is the `sub` of the token that submitted the task.
	AttrSubmitter = "ComputorSubmitter"
	// AttrPriority is the priority the task was submitted with.
	AttrPriority = "ComputorPriority"
)

// Typed keys for the search attributes above.
var (
	SubmitterKey = temporal.NewSearchAttributeKeyKeyword(AttrSubmitter)
	PriorityKey  = temporal.NewSearchAttributeKeyInt64(AttrPriority)
)

// SearchAttributes returns the custom search attributes a namespace needs.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	return map[string]enumspb.IndexedValueType{
		AttrSubmitter: enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrPriority:  enumspb.INDEXED_VALUE_TYPE_INT,
	}
}

// DefaultRetention is how long Temporal keeps a finished task's history.
const DefaultRetention = 7 * 24 * time.Hour

// EnsureNamespace checks that the namespace exists and has the search
// attributes, adding those that are missing. It is idempotent, so every
// process may call it at start.
func EnsureNamespace(ctx context.Context, c client.Client, namespace string) error {
	_, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
	var notFound *serviceerror.NamespaceNotFound
	switch {
	case err == nil:
	case errors.As(err, &notFound):
		return fmt.Errorf("namespace %q does not exist on the Temporal cluster: create it (computor namespace create %s, or temporal operator namespace create %s): %w", namespace, namespace, namespace, err)
	default:
		return explain(fmt.Sprintf("describe namespace %q", namespace), err)
	}
	list, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return explain(fmt.Sprintf("list search attributes of %q", namespace), err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for name, typ := range SearchAttributes() {
		have, ok := list.GetCustomAttributes()[name]
		if !ok {
			missing[name] = typ
			continue
		}
		if have != typ {
			return fmt.Errorf("search attribute %s on namespace %q has type %s, want %s", name, namespace, have, typ)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace:        namespace,
		SearchAttributes: missing,
	})
	var exists *serviceerror.AlreadyExists
	var denied *serviceerror.PermissionDenied
	switch {
	case errors.As(err, &denied):
		// Services may not change a namespace; an admin sets it up once.
		return fmt.Errorf("namespace %q lacks Computor's search attributes and this process may not add them: "+
			"run computor namespace create %s as an admin: %w", namespace, namespace, err)
	case err != nil && !errors.As(err, &exists):
		return explain(fmt.Sprintf("add search attributes to %q", namespace), err)
	}
	return nil
}

// CreateNamespace registers the namespace with the given retention if it
// does not exist, then adds Computor's search attributes. It is idempotent.
func CreateNamespace(ctx context.Context, c client.Client, namespace string, retention time.Duration) error {
	_, err := c.WorkflowService().RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace:                        namespace,
		Description:                      "Computor tasks",
		WorkflowExecutionRetentionPeriod: durationpb.New(retention),
	})
	var exists *serviceerror.NamespaceAlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return explain(fmt.Sprintf("register namespace %q", namespace), err)
	}
	// A new namespace reaches every frontend's cache within seconds; until
	// then it reads as not found.
	for {
		err = EnsureNamespace(ctx, c, namespace)
		var notFound *serviceerror.NamespaceNotFound
		if !errors.As(err, &notFound) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("namespace %q registered but not yet visible: %w", namespace, err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// unreachableHint says what to check when the cluster does not answer.
const unreachableHint = "is the server up, TEMPORAL_ADDRESS right, and TLS set as the server wants it?"

// explain wraps err from a Temporal call, saying in words what the usual
// causes are when the cluster refused or could not be reached.
func explain(what string, err error) error {
	var denied *serviceerror.PermissionDenied
	var unavailable *serviceerror.Unavailable
	switch {
	case errors.As(err, &denied):
		return fmt.Errorf("%s: permission denied: the credentials (the token, TEMPORAL_API_KEY, or the mTLS certificate) may not do this: %w", what, err)
	case errors.As(err, &unavailable), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: the Temporal cluster did not answer (%s): %w", what, unreachableHint, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}
