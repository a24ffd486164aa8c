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
		return fmt.Errorf("namespace %q does not exist on the Temporal cluster: create it (temporal operator namespace create %s)", namespace, namespace)
	default:
		return fmt.Errorf("describe namespace %q: %w", namespace, err)
	}
	list, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list search attributes of %q: %w", namespace, err)
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
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("add search attributes to %q: %w", namespace, err)
	}
	return nil
}
