package app

import (
	"fmt"
	"time"

	"github.com/computor-org/computor-go/internal/auth"
)

// Token mints a JWT for sub with roles, valid for ttl, signed with the
// configured key (the dev stack's in the data dir by default).
func Token(cfg Config, sub string, roles []string, ttl time.Duration) (string, error) {
	cfg = cfg.WithDefaults()
	switch {
	case sub == "":
		return "", fmt.Errorf("token: --sub is required")
	case ttl <= 0:
		return "", fmt.Errorf("token: --ttl must be positive")
	case ttl > cfg.JWTMaxLifetime:
		return "", fmt.Errorf("token: --ttl %s is longer than tokens may live (%s, %s)", ttl, cfg.JWTMaxLifetime, EnvJWTMaxLife)
	}
	key, err := cfg.signingKey(false)
	if err != nil {
		return "", err
	}
	token, err := key.Mint(auth.Token{Subject: sub, Roles: roles, TTL: ttl, Audience: cfg.JWTAudience, Namespace: cfg.Namespace})
	if err != nil {
		return "", fmt.Errorf("mint token: %w", err)
	}
	return token, nil
}
