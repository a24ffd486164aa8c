package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/computor-org/computor-go/internal/derrors"
	"go.temporal.io/api/serviceerror"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// isUnavailable reports an error of Temporal being down or overloaded.
func isUnavailable(err error) bool {
	var unavailable *serviceerror.Unavailable
	var exhausted *serviceerror.ResourceExhausted
	return errors.As(err, &unavailable) || errors.As(err, &exhausted)
}

// isDeadline reports a deadline that ran out, as Go or gRPC reports it.
func isDeadline(err error) bool {
	var de *serviceerror.DeadlineExceeded
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &de) || status.Code(err) == codes.DeadlineExceeded
}

// isTemporalNotFound reports a workflow Temporal does not know.
func isTemporalNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}

// isMaxBytes reports a body over the limit of http.MaxBytesReader.
func isMaxBytes(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

func isInvalidArgument(err error) bool {
	var ia *serviceerror.InvalidArgument
	return errors.As(err, &ia)
}

// sortFields orders field errors by field name, for stable answers.
func sortFields(fields []derrors.FieldError) []derrors.FieldError {
	slices.SortStableFunc(fields, func(a, b derrors.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return fields
}
