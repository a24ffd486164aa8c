package auth

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// MinSecretBytes is the minimum length of an HS256 shared secret.
const MinSecretBytes = 32

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

// Config configures a [Verifier]. Exactly one of Secret or JWKSURL must be
// set.
type Config struct {
	// Secret is the HS256 shared secret (COMPUTOR_JWT_SECRET). It must be at
	// least MinSecretBytes long. Its bytes are used as they are; a secret
	// produced by NewSecret is used in its hex form, not decoded.
	Secret []byte

	// JWKSURL is the http or https URL of a JSON Web Key Set holding the
	// RS256/ES256 public keys of an identity provider
	// (COMPUTOR_JWT_JWKS_URL).
	JWKSURL string

	// Issuer, if set, must equal the token's "iss" claim. It is required
	// with JWKSURL.
	Issuer string

	// Audience, if set, must be contained in the token's "aud" claim. It is
	// required with JWKSURL.
	Audience string

	// Leeway is the clock skew allowed when checking time-based claims.
	// Zero means DefaultLeeway.
	Leeway time.Duration

	// HTTPClient fetches the JWKS. Nil means a client with a
	// DefaultJWKSTimeout timeout. Unused with Secret.
	HTTPClient *http.Client

	// JWKSRefresh is how long fetched keys are cached before they are
	// fetched again. Zero means DefaultJWKSRefresh. Independently of it, a
	// token whose "kid" is not cached triggers one refetch, at most once per
	// JWKSMinRefetchInterval. Unused with Secret.
	JWKSRefresh time.Duration
}

// withDefaults validates cfg and returns a copy with defaults filled in.
// Errors name the offending field.
func (cfg Config) withDefaults() (Config, error) {
	hasSecret := len(cfg.Secret) > 0
	hasJWKS := cfg.JWKSURL != ""
	switch {
	case hasSecret && hasJWKS:
		return Config{}, errors.New("auth: Config.Secret and Config.JWKSURL are mutually exclusive")
	case !hasSecret && !hasJWKS:
		return Config{}, errors.New("auth: one of Config.Secret or Config.JWKSURL must be set")
	}
	if hasSecret && len(cfg.Secret) < MinSecretBytes {
		return Config{}, fmt.Errorf("auth: Config.Secret: must be at least %d bytes, got %d", MinSecretBytes, len(cfg.Secret))
	}
	if hasJWKS {
		if err := checkJWKSURL(cfg.JWKSURL); err != nil {
			return Config{}, fmt.Errorf("auth: Config.JWKSURL: %w", err)
		}
		if cfg.Issuer == "" {
			return Config{}, errors.New("auth: Config.Issuer: required with Config.JWKSURL")
		}
		if cfg.Audience == "" {
			return Config{}, errors.New("auth: Config.Audience: required with Config.JWKSURL")
		}
	}
	if cfg.Leeway < 0 {
		return Config{}, fmt.Errorf("auth: Config.Leeway: must not be negative, got %v", cfg.Leeway)
	}
	if cfg.JWKSRefresh < 0 {
		return Config{}, fmt.Errorf("auth: Config.JWKSRefresh: must not be negative, got %v", cfg.JWKSRefresh)
	}

	if cfg.Leeway == 0 {
		cfg.Leeway = DefaultLeeway
	}
	if cfg.JWKSRefresh == 0 {
		cfg.JWKSRefresh = DefaultJWKSRefresh
	}
	if cfg.HTTPClient == nil && hasJWKS {
		cfg.HTTPClient = &http.Client{Timeout: DefaultJWKSTimeout}
	}
	// Copy the secret so later changes by the caller have no effect.
	cfg.Secret = append([]byte(nil), cfg.Secret...)
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
