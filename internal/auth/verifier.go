package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// maxTokenBytes bounds the length of a token accepted by Verify. Real tokens
// are a few KiB at most; larger input is rejected before any decoding.
const maxTokenBytes = 16 << 10

// Verifier checks tokens against a [Config]. It is safe for concurrent use.
type Verifier struct {
	cfg    Config
	kid    string // of cfg.Key
	now    func() time.Time
	parser *jwt.Parser
	jwks   *jwksCache // nil without an identity provider
	seen   verified
}

// Bounds of the cache of verified tokens.
const (
	// verifiedTTL is how long a verified token of Computor's own key is
	// taken without checking its signature again: a service shows the
	// same token on every call, and an ES256 check costs about 0.1 ms of
	// CPU.
	verifiedTTL = time.Minute
	// verifiedMax bounds the cache; when full it starts over.
	verifiedMax = 4096
)

// verified caches the claims of tokens that passed Verify, by the token's
// SHA-256, until verifiedTTL or the token's exp, whichever comes first.
type verified struct {
	mu      sync.Mutex
	entries map[[sha256.Size]byte]verifiedEntry
}

type verifiedEntry struct {
	claims Claims
	until  time.Time
}

func (c *verified) get(token string, now time.Time) (*Claims, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[sha256.Sum256([]byte(token))]
	if !ok || !now.Before(e.until) {
		return nil, false
	}
	out := e.claims
	out.Roles = slices.Clone(e.claims.Roles)
	out.Namespaces = slices.Clone(e.claims.Namespaces)
	return &out, true
}

func (c *verified) put(token string, claims *Claims, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= verifiedMax {
		c.entries = make(map[[sha256.Size]byte]verifiedEntry)
	}
	until := now.Add(verifiedTTL)
	if claims.ExpiresAt.Before(until) {
		until = claims.ExpiresAt
	}
	e := verifiedEntry{claims: *claims, until: until}
	e.claims.Roles = slices.Clone(claims.Roles)
	e.claims.Namespaces = slices.Clone(claims.Namespaces)
	c.entries[sha256.Sum256([]byte(token))] = e
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
	v := &Verifier{cfg: cfg, now: now}
	methods := []string{jwt.SigningMethodES256.Alg()}
	if cfg.Key != nil {
		if v.kid, err = keyID(cfg.Key); err != nil {
			return nil, err
		}
	}
	if cfg.JWKSURL != "" {
		methods = append(methods, jwt.SigningMethodRS256.Alg())
		v.jwks = newJWKSCache(cfg.JWKSURL, cfg.HTTPClient, cfg.JWKSRefresh, now)
	}
	// The issuer depends on the key that verified the token; Verify checks
	// it after the signature.
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(methods),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(now),
		jwt.WithStrictDecoding(),
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	v.parser = jwt.NewParser(opts...)
	return v, nil
}

// Verify checks token and returns the claims it carries.
//
// The token must be signed with ES256 by the configured key, or with
// RS256 or ES256 by a key of the identity provider's JWKS; carry the
// issuer that goes with its key, an "exp" that has not passed and is at
// most MaxLifetime after its "iat", an "nbf" and "iat" (if present) that
// are not in the future, the configured audience, and a non-blank "sub".
// Time claims must be numbers. Time checks allow Config.Leeway of clock
// skew. In JWKS mode ctx bounds any key fetch.
//
// Every error is a *VerifyError wrapping [derrors.Unauthenticated].
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	if token == "" {
		return nil, unauthorized(reasonMissingToken, nil)
	}
	if len(token) > maxTokenBytes {
		return nil, unauthorized(reasonTokenTooLarge, nil)
	}
	now := v.now()
	if c, ok := v.seen.get(token, now); ok {
		return c, nil
	}
	c, own, err := v.verify(ctx, token)
	if err != nil {
		return nil, err
	}
	if own {
		// Only Computor's own key: an identity provider's keys rotate,
		// and a token of a withdrawn key must stop working at once.
		v.seen.put(token, c, now)
	}
	return c, nil
}

// verify is Verify without the cache; own says Computor's key signed the
// token.
func (v *Verifier) verify(ctx context.Context, token string) (_ *Claims, own bool, _ error) {
	var tc tokenClaims
	keyLookedUp := false
	issuer := ""
	_, err := v.parser.ParseWithClaims(token, &tc, func(t *jwt.Token) (any, error) {
		keyLookedUp = true
		key, iss, err := v.verificationKey(ctx, t)
		issuer = iss
		return key, err
	})
	if err != nil {
		return nil, false, v.classify(err, &tc, keyLookedUp, issuer)
	}
	if tc.Issuer != issuer {
		return nil, false, unauthorized(reasonIssuer, nil)
	}
	if strings.TrimSpace(tc.Subject) == "" {
		return nil, false, unauthorized(reasonMissingSubject, nil)
	}
	from := v.now()
	if tc.IssuedAt != nil {
		from = tc.IssuedAt.Time
	}
	if life := tc.ExpiresAt.Sub(from); life > v.cfg.MaxLifetime+v.cfg.Leeway {
		return nil, false, unauthorized(reasonLifetime, fmt.Errorf("valid for %s, the maximum is %s", life.Round(time.Second), v.cfg.MaxLifetime))
	}
	return &Claims{
		Subject:    tc.Subject,
		Roles:      slices.Clone([]string(tc.Roles)),
		ExpiresAt:  tc.ExpiresAt.Time,
		Own:        issuer == Issuer,
		Namespaces: namespacesOf(tc.Permissions),
	}, issuer == Issuer, nil
}

// verificationKey is the jwt.Keyfunc of Verify: the key named by the
// token's "kid", and the issuer that goes with it. The parser has already
// checked the algorithm against the allowed list; it is checked again
// against the key, so that a key is never used for another algorithm.
func (v *Verifier) verificationKey(ctx context.Context, t *jwt.Token) (any, string, error) {
	alg := t.Method.Alg()
	kid, _ := t.Header["kid"].(string)
	if v.cfg.Key != nil && kid == v.kid {
		if alg != jwt.SigningMethodES256.Alg() {
			return nil, "", unauthorized(reasonKeyMismatch, nil)
		}
		return v.cfg.Key, Issuer, nil
	}
	if v.jwks == nil {
		return nil, "", unauthorized(reasonUnknownKey, nil)
	}
	pk, err := v.jwks.key(ctx, kid)
	if err != nil {
		return nil, "", err
	}
	if pk.alg != "" && pk.alg != alg {
		return nil, "", unauthorized(reasonKeyMismatch, nil)
	}
	switch key := pk.key.(type) {
	case *rsa.PublicKey:
		if alg == jwt.SigningMethodRS256.Alg() {
			return key, v.cfg.Issuer, nil
		}
	case *ecdsa.PublicKey:
		if alg == jwt.SigningMethodES256.Alg() {
			return key, v.cfg.Issuer, nil
		}
	}
	return nil, "", unauthorized(reasonKeyMismatch, nil)
}

// classify turns a parser error into a *VerifyError. tc holds whatever
// claims were decoded; keyLookedUp tells whether the algorithm passed the
// parser's allow-list.
func (v *Verifier) classify(err error, tc *tokenClaims, keyLookedUp bool, issuer string) error {
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
		return unauthorized(claimsReason(err, tc, v.cfg, issuer), err)
	default:
		return unauthorized(reasonInvalid, err)
	}
}

// claimsReason picks the most relevant reason for a claims validation
// failure, which may report several problems at once.
func claimsReason(err error, tc *tokenClaims, cfg Config, issuer string) string {
	switch {
	case tc.ExpiresAt == nil:
		return reasonMissingExp
	case errors.Is(err, jwt.ErrTokenExpired):
		return reasonExpired
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return reasonNotYetValid
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return reasonIssuedInFuture
	case errors.Is(err, jwt.ErrTokenInvalidIssuer), tc.Issuer != issuer:
		return reasonIssuer
	case errors.Is(err, jwt.ErrTokenInvalidAudience),
		cfg.Audience != "" && !slices.Contains(tc.Audience, cfg.Audience):
		return reasonAudience
	default:
		return reasonInvalid
	}
}

// String describes the verifier's keys for logs.
func (v *Verifier) String() string {
	var parts []string
	if v.cfg.Key != nil {
		parts = append(parts, "key: "+v.kid)
	}
	if v.jwks != nil {
		parts = append(parts, fmt.Sprintf("jwks: %s, issuer: %q", v.cfg.JWKSURL, v.cfg.Issuer))
	}
	return fmt.Sprintf("auth.Verifier{%s, audience: %q, max lifetime: %s}", strings.Join(parts, ", "), v.cfg.Audience, v.cfg.MaxLifetime)
}
