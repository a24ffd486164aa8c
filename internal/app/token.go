package app

import (
	"fmt"
	"time"

	"github.com/computor-org/computor-go/internal/auth"
)

// Token mints a JWT for sub with roles, valid for ttl, signed with the
// configured secret (the dev secret in the data dir by default).
func Token(cfg Config, sub string, roles []string, ttl time.Duration) (string, error) {
	cfg = cfg.WithDefaults()
	switch {
	case sub == "":
		return "", fmt.Errorf("token: --sub is required")
	case ttl <= 0:
		return "", fmt.Errorf("token: --ttl must be positive")
	}
	secret, err := cfg.jwtSecret(false)
	if err != nil {
		return "", err
	}
	token, err := auth.Mint(secret, sub, roles, ttl, cfg.JWTIssuer, cfg.JWTAudience)
	if err != nil {
		return "", fmt.Errorf("mint token: %w", err)
	}
	return token, nil
}
