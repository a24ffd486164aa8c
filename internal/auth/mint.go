package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Mint signs an HS256 token for sub with the given roles, valid for ttl.
//
// The token carries iat and nbf set to now, exp set to now+ttl (times have
// one-second precision), a random jti, and "roles" unless roles is empty.
// iss and aud are set when issuer and audience are non-empty. secret must
// be at least MinSecretBytes long, sub non-blank and ttl positive.
func Mint(secret []byte, sub string, roles []string, ttl time.Duration, issuer, audience string) (string, error) {
	switch {
	case len(secret) < MinSecretBytes:
		return "", fmt.Errorf("auth: mint: secret must be at least %d bytes, got %d", MinSecretBytes, len(secret))
	case strings.TrimSpace(sub) == "":
		return "", errors.New("auth: mint: subject must not be blank")
	case ttl <= 0:
		return "", fmt.Errorf("auth: mint: ttl must be positive, got %v", ttl)
	}
	now := time.Now()
	claims := tokenClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   sub,
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        rand.Text(),
		},
		Roles: roles,
	}
	if audience != "" {
		claims.Audience = jwt.ClaimStrings{audience}
	}
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
	if err != nil {
		return "", fmt.Errorf("auth: mint: sign token: %w", err)
	}
	return token, nil
}

// NewSecret returns MinSecretBytes random bytes, hex-encoded, suitable for
// a development secret file. The returned string itself (64 characters) is
// the secret: pass []byte(s) as Config.Secret and to Mint.
func NewSecret() (string, error) {
	b := make([]byte, MinSecretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: new secret: %w", err)
	}
	return hex.EncodeToString(b), nil
}
