// Package auth verifies and mints the JSON Web Tokens (JWTs) that
// authenticate callers of the HTTP task API.
//
// A [Verifier] accepts tokens from one or both of two sources, chosen by
// [Config]; with both, a token's "kid" header says which applies:
//
//   - Computor's own key (Config.Key): tokens signed with ES256 by a
//     [SigningKey], whose "kid" is the key's RFC 7638 thumbprint and whose
//     "iss" is [Issuer] ("computor"). [SigningKey.Mint] creates them, for
//     development and for deployments without an external identity
//     provider. Verifying needs only the public half; [SigningKey.JWKS]
//     publishes it as a JSON Web Key Set for anything else that checks
//     these tokens, the Temporal server among them.
//   - An identity provider (Config.JWKSURL): tokens signed with RS256 or
//     ES256 by a key of the provider's JSON Web Key Set, carrying the
//     provider's issuer (Config.Issuer, which may not be [Issuer]). Keys are
//     fetched lazily, cached, and refetched when a token names an unknown
//     key.
//
// The issuer goes with the key: a token signed by the identity provider
// that claims to come from Computor is refused, and so is the reverse.
// No other algorithm is accepted; in particular neither "none" nor HMAC,
// so a public key can never serve as a shared secret.
//
// Every token must carry "exp" and a non-blank "sub", and the configured
// audience if there is one. "exp", "nbf" and "iat" must be JSON numbers
// (RFC 7519 NumericDate), not strings that look like numbers. A token may
// be valid for at most Config.MaxLifetime ([DefaultMaxLifetime], 30 days,
// unless set), counted from its "iat", or from now if it has none.
//
// The roles [RoleAPIService] and [RoleWorkerService] are identities of
// services at the Temporal frontend only: Mint gives their tokens, and
// admins', a "permissions" claim for Temporal's default authorizer when
// [Token].Namespace is set, and the HTTP API refuses them
// ([Claims.IsService]).
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
