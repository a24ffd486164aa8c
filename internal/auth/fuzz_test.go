package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/golang-jwt/jwt/v5"
)

// FuzzVerify checks that Verify never panics, that every rejection wraps
// derrors.Unauthenticated, and that it accepts only tokens carrying a genuine
// HMAC-SHA256 signature by the secret, computed here independently of the
// jwt library.
func FuzzVerify(f *testing.F) {
	now := time.Now()
	valid, err := Mint(testSecret, "alice", []string{RoleAdmin}, 24*time.Hour, "", "")
	if err != nil {
		f.Fatal(err)
	}
	parts := strings.Split(valid, ".")
	claims := jwt.MapClaims{"sub": "alice", "exp": now.Add(time.Hour).Unix(), "roles": "admin"}
	for _, seed := range []string{
		valid,
		sign(f, jwt.SigningMethodHS256, testSecret, claims, nil),
		sign(f, jwt.SigningMethodHS256, []byte("another-secret-another-secret-32"), claims, nil),
		sign(f, jwt.SigningMethodHS512, testSecret, claims, nil),
		b64(`{"alg":"none"}`) + "." + parts[1] + ".",
		b64(`{"alg":"RS256"}`) + "." + parts[1] + "." + parts[2],
		parts[0] + "." + parts[1] + ".",
		parts[0] + ".." + parts[2],
		"",
		"a.b.c",
		"...",
		"eyJ.eyJ.",
	} {
		f.Add(seed)
	}

	v, err := NewVerifier(Config{Secret: testSecret})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := v.Verify(context.Background(), token)
		if err != nil {
			var ve *VerifyError
			if !errors.Is(err, derrors.Unauthenticated) || !errors.As(err, &ve) || ve.Reason == "" {
				t.Fatalf("Verify error %#v is not a *VerifyError wrapping derrors.Unauthenticated", err)
			}
			if c != nil {
				t.Fatalf("Verify returned claims %+v with error %v", c, err)
			}
			return
		}
		if c == nil || strings.TrimSpace(c.Subject) == "" || c.ExpiresAt.IsZero() {
			t.Fatalf("accepted token yields incomplete claims %+v", c)
		}
		if !signedBySecret(token, testSecret) {
			t.Fatalf("accepted a token not signed with the secret: %q", token)
		}
	})
}

// signedBySecret reports whether token is an HS256 JWT whose signature is
// the HMAC-SHA256 of its first two segments under secret.
func signedBySecret(token string, secret []byte) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	enc := base64.RawURLEncoding.Strict()
	header, err := enc.DecodeString(parts[0])
	if err != nil {
		return false
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(header, &h) != nil || h.Alg != "HS256" {
		return false
	}
	sig, err := enc.DecodeString(parts[2])
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	return hmac.Equal(sig, mac.Sum(nil))
}
