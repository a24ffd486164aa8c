package auth

import "github.com/computor-org/computor-go/internal/derrors"

// Every error returned from [Verifier.Verify] wraps
// derrors.Unauthenticated. The text after it says why the token was
// rejected (expired, bad signature, wrong issuer, ...) and is safe to show
// to the client.

// Reasons reported by [VerifyError]. They are deliberately terse and never
// contain token contents or server configuration.
const (
	reasonMissingToken    = "missing token"
	reasonTokenTooLarge   = "token too large"
	reasonMalformed       = "malformed token"
	reasonAlgorithm       = "unsupported signing algorithm"
	reasonSignature       = "invalid signature"
	reasonExpired         = "token expired"
	reasonNotYetValid     = "token not valid yet"
	reasonIssuedInFuture  = "token issued in the future"
	reasonMissingExp      = "missing exp claim"
	reasonIssuer          = "wrong issuer"
	reasonAudience        = "wrong audience"
	reasonMissingSubject  = "missing sub claim"
	reasonUnknownKey      = "unknown signing key"
	reasonKeyMismatch     = "signing key does not match algorithm"
	reasonKeysUnavailable = "signing keys unavailable"
	reasonLifetime        = "token lifetime exceeds the maximum"
	reasonInvalid         = "invalid token"
)

// VerifyError is the concrete type of every error returned by
// [Verifier.Verify]. It matches [derrors.Unauthenticated] with [errors.Is].
//
// Error returns "unauthorized: " followed by Reason, which is safe to send
// to the client. Err, when non-nil, is the underlying cause (for example a
// failed JWKS fetch); it may contain internal details and is meant for
// server-side logs only. Err is also reachable through [errors.Is] and
// [errors.As].
type VerifyError struct {
	// Reason is a short, client-safe explanation such as "token expired".
	Reason string
	// Err is the underlying cause, or nil.
	Err error
}

// Error implements the error interface. It does not include Err.
func (e *VerifyError) Error() string {
	return "unauthorized: " + e.Reason
}

// Unwrap returns derrors.Unauthenticated and, when set, the underlying cause.
func (e *VerifyError) Unwrap() []error {
	if e.Err == nil {
		return []error{derrors.Unauthenticated}
	}
	return []error{derrors.Unauthenticated, e.Err}
}

// unauthorized returns a *VerifyError with the given reason and cause.
func unauthorized(reason string, cause error) *VerifyError {
	return &VerifyError{Reason: reason, Err: cause}
}
