// Package auth verifies and mints the JSON Web Tokens (JWTs) that
// authenticate callers of the HTTP task API.
//
// A [Verifier] works in one of two modes, chosen by [Config]:
//
//   - Shared secret: tokens are signed with HS256 using a secret of at least
//     [MinSecretBytes] bytes. [Mint] creates such tokens, for development and
//     for deployments without an external identity provider.
//   - JWKS: tokens are signed with RS256 or ES256 by an identity provider
//     whose public keys are published as a JSON Web Key Set. Keys are fetched
//     lazily, cached, and refetched when a token names an unknown key.
//
// Every failed verification returns an error that wraps [derrors.Unauthenticated].
// Its message is a short reason ("token expired", "invalid signature", ...)
// that is safe to show to the client; the underlying cause, if any, is
// available through [VerifyError] for server-side logs.
//
// HTTP handlers typically combine the pieces like this:
//
//	tok := auth.TokenFromRequest(r)
//	claims, err := verifier.Verify(r.Context(), tok)
//	if err != nil {
//		http.Error(w, err.Error(), http.StatusUnauthorized)
//		return
//	}
//	r = r.WithContext(auth.WithClaims(r.Context(), claims))
package auth
