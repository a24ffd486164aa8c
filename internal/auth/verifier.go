package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// maxTokenBytes bounds the length of a token accepted by Verify. Real tokens
// are a few KiB at most; larger input is rejected before any decoding.
const maxTokenBytes = 16 << 10

// Verifier checks tokens against a [Config]. It is safe for concurrent use.
type Verifier struct {
	cfg    Config
	parser *jwt.Parser
	jwks   *jwksCache // nil in shared-secret mode
}

// NewVerifier validates cfg and returns a Verifier for it. Errors name the
// offending Config field. In JWKS mode no request is made until the first
// call to Verify.
func NewVerifier(cfg Config) (*Verifier, error) {
	return newVerifier(cfg, time.Now)
}

// newVerifier is NewVerifier with a clock, for tests.
func newVerifier(cfg Config, now func() time.Time) (*Verifier, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	// Signing algorithms accepted in each mode.
	methods := []string{jwt.SigningMethodHS256.Alg()}
	if cfg.JWKSURL != "" {
		methods = []string{jwt.SigningMethodRS256.Alg(), jwt.SigningMethodES256.Alg()}
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(methods),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(now),
		jwt.WithStrictDecoding(),
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	v := &Verifier{cfg: cfg, parser: jwt.NewParser(opts...)}
	if cfg.JWKSURL != "" {
		v.jwks = newJWKSCache(cfg.JWKSURL, cfg.HTTPClient, cfg.JWKSRefresh, now)
	}
	return v, nil
}

// Verify checks token and returns the claims it carries.
//
// The token must be signed with an allowed algorithm (HS256 with the shared
// secret; RS256 or ES256 with a JWKS key), carry an "exp" that has not
// passed, an "nbf" and "iat" (if present) that are not in the future, the
// configured issuer and audience, and a non-blank "sub". Time checks allow
// Config.Leeway of clock skew. In JWKS mode ctx bounds any key fetch.
//
// Every error is a *VerifyError wrapping [derrors.Unauthenticated].
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	if token == "" {
		return nil, unauthorized(reasonMissingToken, nil)
	}
	if len(token) > maxTokenBytes {
		return nil, unauthorized(reasonTokenTooLarge, nil)
	}

	var tc tokenClaims
	keyLookedUp := false
	_, err := v.parser.ParseWithClaims(token, &tc, func(t *jwt.Token) (any, error) {
		keyLookedUp = true
		return v.verificationKey(ctx, t)
	})
	if err != nil {
		return nil, v.classify(err, &tc, keyLookedUp)
	}
	if strings.TrimSpace(tc.Subject) == "" {
		return nil, unauthorized(reasonMissingSubject, nil)
	}
	return &Claims{
		Subject:   tc.Subject,
		Roles:     slices.Clone([]string(tc.Roles)),
		ExpiresAt: tc.ExpiresAt.Time,
	}, nil
}

// verificationKey is the jwt.Keyfunc of Verify. The parser has already
// checked the algorithm against the allowed list; it is checked again here
// so that a key is never handed out for an unexpected algorithm.
func (v *Verifier) verificationKey(ctx context.Context, t *jwt.Token) (any, error) {
	alg := t.Method.Alg()
	if v.jwks == nil {
		if alg != jwt.SigningMethodHS256.Alg() {
			return nil, unauthorized(reasonAlgorithm, nil)
		}
		return v.cfg.Secret, nil
	}

	kid, _ := t.Header["kid"].(string)
	pk, err := v.jwks.key(ctx, kid)
	if err != nil {
		return nil, err
	}
	if pk.alg != "" && pk.alg != alg {
		return nil, unauthorized(reasonKeyMismatch, nil)
	}
	switch key := pk.key.(type) {
	case *rsa.PublicKey:
		if alg == jwt.SigningMethodRS256.Alg() {
			return key, nil
		}
	case *ecdsa.PublicKey:
		if alg == jwt.SigningMethodES256.Alg() {
			return key, nil
		}
	}
	return nil, unauthorized(reasonKeyMismatch, nil)
}

// classify turns a parser error into a *VerifyError. tc holds whatever
// claims were decoded; keyLookedUp tells whether the algorithm passed the
// parser's allow-list.
func (v *Verifier) classify(err error, tc *tokenClaims, keyLookedUp bool) error {
	var ve *VerifyError
	switch {
	case errors.As(err, &ve):
		// Raised by verificationKey; already classified.
		return ve
	case errors.Is(err, jwt.ErrTokenMalformed):
		return unauthorized(reasonMalformed, err)
	case !keyLookedUp:
		// Missing, unknown or disallowed "alg" (including "none").
		return unauthorized(reasonAlgorithm, err)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return unauthorized(reasonSignature, err)
	case errors.Is(err, jwt.ErrTokenInvalidClaims):
		return unauthorized(claimsReason(err, tc, v.cfg), err)
	default:
		return unauthorized(reasonInvalid, err)
	}
}

// claimsReason picks the most relevant reason for a claims validation
// failure, which may report several problems at once.
func claimsReason(err error, tc *tokenClaims, cfg Config) string {
	switch {
	case tc.ExpiresAt == nil:
		return reasonMissingExp
	case errors.Is(err, jwt.ErrTokenExpired):
		return reasonExpired
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return reasonNotYetValid
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return reasonIssuedInFuture
	case errors.Is(err, jwt.ErrTokenInvalidIssuer),
		cfg.Issuer != "" && tc.Issuer != cfg.Issuer:
		return reasonIssuer
	case errors.Is(err, jwt.ErrTokenInvalidAudience),
		cfg.Audience != "" && !slices.Contains(tc.Audience, cfg.Audience):
		return reasonAudience
	default:
		return reasonInvalid
	}
}

// String describes the verifier's mode for logs; it never includes the
// secret.
func (v *Verifier) String() string {
	if v.jwks != nil {
		return fmt.Sprintf("auth.Verifier{jwks: %s, issuer: %q, audience: %q}", v.cfg.JWKSURL, v.cfg.Issuer, v.cfg.Audience)
	}
	return fmt.Sprintf("auth.Verifier{secret: HS256, issuer: %q, audience: %q}", v.cfg.Issuer, v.cfg.Audience)
}
