package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Defaults applied by [NewVerifier] to zero-valued [Config] fields.
const (
	// DefaultLeeway is the clock skew tolerated when checking exp, nbf
	// and iat.
	DefaultLeeway = 30 * time.Second
	// DefaultJWKSRefresh is how long fetched JWKS keys are cached.
	DefaultJWKSRefresh = 10 * time.Minute
	// DefaultJWKSTimeout is the timeout of the default JWKS HTTP client.
	DefaultJWKSTimeout = 10 * time.Second
	// JWKSMinRefetchInterval is the minimum time between two JWKS fetches.
	// A token with an unknown "kid" triggers a refetch only if the previous
	// fetch is at least this old; failed fetches are retried no sooner.
	JWKSMinRefetchInterval = 30 * time.Second
)

// Config configures a [Verifier]. At least one of Key or JWKSURL must be
// set; with both, a token's "kid" says which applies.
type Config struct {
	// Key verifies the tokens Computor signs itself (ES256, iss [Issuer],
	// "kid" the key's thumbprint): the public half of its [SigningKey].
	Key *ecdsa.PublicKey

	// JWKSURL is the http or https URL of a JSON Web Key Set holding the
	// RS256/ES256 public keys of an identity provider
	// (COMPUTOR_JWT_JWKS_URL).
	JWKSURL string

	// Issuer must equal the "iss" of the identity provider's tokens. It is
	// required with JWKSURL. Computor's own tokens carry [Issuer].
	Issuer string

	// Audience, if set, must be contained in every token's "aud" claim. It
	// is required with JWKSURL.
	Audience string

	// Leeway is the clock skew allowed when checking time-based claims.
	// Zero means DefaultLeeway.
	Leeway time.Duration

	// MaxLifetime is the longest a token may be valid, from "iat" (or
	// now) to "exp": a stolen token must not work for a year. Zero means
	// DefaultMaxLifetime.
	MaxLifetime time.Duration

	// HTTPClient fetches the JWKS. Nil means a client with a
	// DefaultJWKSTimeout timeout.
	HTTPClient *http.Client

	// JWKSRefresh is how long fetched keys are cached before they are
	// fetched again. Zero means DefaultJWKSRefresh. Independently of it, a
	// token whose "kid" is not cached triggers one refetch, at most once per
	// JWKSMinRefetchInterval.
	JWKSRefresh time.Duration
}

// withDefaults validates cfg and returns a copy with defaults filled in.
// Errors name the offending field.
func (cfg Config) withDefaults() (Config, error) {
	hasJWKS := cfg.JWKSURL != ""
	if cfg.Key == nil && !hasJWKS {
		return Config{}, errors.New("auth: one of Config.Key or Config.JWKSURL must be set")
	}
	if cfg.Key != nil && cfg.Key.Curve != elliptic.P256() {
		return Config{}, errors.New("auth: Config.Key: want a P-256 key (ES256)")
	}
	if cfg.Key != nil {
		if cfg.Key.X == nil || cfg.Key.Y == nil {
			return Config{}, errors.New("auth: Config.Key: missing coordinates")
		}
		if _, err := cfg.Key.Bytes(); err != nil { // checks the point is on the curve
			return Config{}, fmt.Errorf("auth: Config.Key: %w", err)
		}
	}
	if hasJWKS {
		if err := checkJWKSURL(cfg.JWKSURL); err != nil {
			return Config{}, fmt.Errorf("auth: Config.JWKSURL: %w", err)
		}
		if cfg.Issuer == "" {
			return Config{}, errors.New("auth: Config.Issuer: required with Config.JWKSURL")
		}
		if cfg.Issuer == Issuer {
			return Config{}, fmt.Errorf("auth: Config.Issuer: %q is Computor's own issuer; give the identity provider's", Issuer)
		}
		if cfg.Audience == "" {
			return Config{}, errors.New("auth: Config.Audience: required with Config.JWKSURL")
		}
	}
	switch {
	case cfg.Leeway < 0:
		return Config{}, fmt.Errorf("auth: Config.Leeway: must not be negative, got %v", cfg.Leeway)
	case cfg.JWKSRefresh < 0:
		return Config{}, fmt.Errorf("auth: Config.JWKSRefresh: must not be negative, got %v", cfg.JWKSRefresh)
	case cfg.MaxLifetime < 0:
		return Config{}, fmt.Errorf("auth: Config.MaxLifetime: must not be negative, got %v", cfg.MaxLifetime)
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = DefaultLeeway
	}
	if cfg.JWKSRefresh == 0 {
		cfg.JWKSRefresh = DefaultJWKSRefresh
	}
	if cfg.MaxLifetime == 0 {
		cfg.MaxLifetime = DefaultMaxLifetime
	}
	if cfg.HTTPClient == nil && hasJWKS {
		cfg.HTTPClient = &http.Client{Timeout: DefaultJWKSTimeout}
	}
	return cfg, nil
}

// checkJWKSURL reports whether raw is an absolute http or https URL.
func checkJWKSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("scheme must be http or https, got %q", u.Scheme)
	}
	if u.Host == "" {
		return errors.New("missing host")
	}
	return nil
}
