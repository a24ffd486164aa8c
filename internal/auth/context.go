package auth

import "context"

// claimsContextKey is the context key under which WithClaims stores Claims.
type claimsContextKey struct{}

// WithClaims returns a copy of ctx that carries c. Handlers downstream of
// authentication retrieve it with [ClaimsFrom].
func WithClaims(ctx context.Context, c *Claims) context.Context {
	return context.WithValue(ctx, claimsContextKey{}, c)
}

// ClaimsFrom returns the claims stored in ctx by [WithClaims]. The boolean
// is false when ctx carries no claims (or nil claims).
func ClaimsFrom(ctx context.Context) (*Claims, bool) {
	c, ok := ctx.Value(claimsContextKey{}).(*Claims)
	return c, ok && c != nil
}
