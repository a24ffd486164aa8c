package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestVerifySecretMode(t *testing.T) {
	now := time.Now()
	v, err := NewVerifier(Config{Secret: testSecret, Issuer: testIssuer, Audience: testAudience})
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}

	// with returns baseClaims changed by f.
	with := func(f func(jwt.MapClaims)) jwt.MapClaims {
		c := baseClaims(now)
		f(c)
		return c
	}
	hs := func(c jwt.MapClaims) string { return sign(t, jwt.SigningMethodHS256, testSecret, c, nil) }
	valid := hs(baseClaims(now))
	parts := strings.Split(valid, ".")
	payload := b64JSON(t, baseClaims(now))

	tests := []struct {
		name   string
		token  string
		reason string // "" means accepted
	}{
		{"valid", valid, ""},
		{"aud array containing audience", hs(with(func(c jwt.MapClaims) { c["aud"] = []string{"other", testAudience} })), ""},
		{"expired within leeway", hs(with(func(c jwt.MapClaims) { c["exp"] = now.Add(-10 * time.Second).Unix() })), ""},
		{"no nbf and iat", hs(with(func(c jwt.MapClaims) { delete(c, "nbf"); delete(c, "iat") })), ""},

		{"empty", "", reasonMissingToken},
		{"too large", strings.Repeat("a", maxTokenBytes+1), reasonTokenTooLarge},
		{"one segment", "abc", reasonMalformed},
		{"four segments", valid + ".x", reasonMalformed},
		{"garbage segments", "a.b.c", reasonMalformed},
		{"header not JSON", b64("nope") + "." + parts[1] + "." + parts[2], reasonMalformed},
		{"padded base64 signature", parts[0] + "." + parts[1] + "." + parts[2] + "=", reasonMalformed},
		{"non-canonical base64 signature", parts[0] + "." + parts[1] + "." + nonCanonical(t, parts[2]), reasonMalformed},
		{"roles wrong type", hs(with(func(c jwt.MapClaims) { c["roles"] = 7 })), reasonMalformed},
		{"exp wrong type", hs(with(func(c jwt.MapClaims) { c["exp"] = "tomorrow" })), reasonMalformed},

		{"alg none", b64(`{"alg":"none","typ":"JWT"}`) + "." + payload + ".", reasonAlgorithm},
		{"alg none with signature", b64(`{"alg":"none","typ":"JWT"}`) + "." + payload + "." + parts[2], reasonAlgorithm},
		{"alg None", b64(`{"alg":"None"}`) + "." + payload + ".", reasonAlgorithm},
		{"alg missing", b64(`{"typ":"JWT"}`) + "." + payload + "." + parts[2], reasonAlgorithm},
		{"alg not a string", b64(`{"alg":256}`) + "." + payload + "." + parts[2], reasonAlgorithm},
		{"HS384 with the secret", sign(t, jwt.SigningMethodHS384, testSecret, baseClaims(now), nil), reasonAlgorithm},
		{"RS256 signed with an RSA key", sign(t, jwt.SigningMethodRS256, rsaKey, baseClaims(now), nil), reasonAlgorithm},
		{"RS256 header, HMAC signature", b64(`{"alg":"RS256","typ":"JWT"}`) + "." + payload + "." + parts[2], reasonAlgorithm},

		{"signed with another secret", sign(t, jwt.SigningMethodHS256, []byte("another-secret-another-secret-32"), baseClaims(now), nil), reasonSignature},
		{"tampered payload", parts[0] + "." + b64JSON(t, with(func(c jwt.MapClaims) { c["roles"] = []string{RoleAdmin} })) + "." + parts[2], reasonSignature},
		{"empty signature", parts[0] + "." + parts[1] + ".", reasonSignature},

		{"expired", hs(with(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() })), reasonExpired},
		{"missing exp", hs(with(func(c jwt.MapClaims) { delete(c, "exp") })), reasonMissingExp},
		{"nbf in future", hs(with(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Hour).Unix() })), reasonNotYetValid},
		{"iat in future", hs(with(func(c jwt.MapClaims) { c["iat"] = now.Add(time.Hour).Unix() })), reasonIssuedInFuture},
		{"wrong issuer", hs(with(func(c jwt.MapClaims) { c["iss"] = "https://evil.example.test" })), reasonIssuer},
		{"missing issuer", hs(with(func(c jwt.MapClaims) { delete(c, "iss") })), reasonIssuer},
		{"wrong audience", hs(with(func(c jwt.MapClaims) { c["aud"] = "other-api" })), reasonAudience},
		{"wrong audience array", hs(with(func(c jwt.MapClaims) { c["aud"] = []string{"x", "y"} })), reasonAudience},
		{"missing audience", hs(with(func(c jwt.MapClaims) { delete(c, "aud") })), reasonAudience},
		{"missing sub", hs(with(func(c jwt.MapClaims) { delete(c, "sub") })), reasonMissingSubject},
		{"empty sub", hs(with(func(c jwt.MapClaims) { c["sub"] = "" })), reasonMissingSubject},
		{"blank sub", hs(with(func(c jwt.MapClaims) { c["sub"] = "  " })), reasonMissingSubject},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := v.Verify(t.Context(), tt.token)
			if tt.reason != "" {
				wantReason(t, err, tt.reason)
				if c != nil {
					t.Errorf("claims = %+v, want nil on error", c)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if c.Subject != "alice" || !slices.Equal(c.Roles, []string{"user"}) || c.ExpiresAt.IsZero() {
				t.Errorf("claims = %+v", c)
			}
		})
	}
}

func TestVerifyWithoutIssuerAudience(t *testing.T) {
	now := time.Now()
	v, err := NewVerifier(Config{Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	c := jwt.MapClaims{"sub": "bob", "exp": now.Add(time.Minute).Unix()}
	got, err := v.Verify(t.Context(), sign(t, jwt.SigningMethodHS256, testSecret, c, nil))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got.Subject != "bob" || got.Roles != nil || !got.ExpiresAt.Equal(time.Unix(now.Add(time.Minute).Unix(), 0)) {
		t.Errorf("claims = %+v", got)
	}
}

func TestVerifyLeeway(t *testing.T) {
	now := time.Now()
	tok := sign(t, jwt.SigningMethodHS256, testSecret, jwt.MapClaims{"sub": "a", "exp": now.Add(-time.Minute).Unix()}, nil)
	tests := []struct {
		leeway time.Duration
		reason string
	}{
		{0, reasonExpired}, // default 30s
		{10 * time.Second, reasonExpired},
		{2 * time.Minute, ""},
	}
	for _, tt := range tests {
		v, err := NewVerifier(Config{Secret: testSecret, Leeway: tt.leeway})
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.Verify(t.Context(), tok)
		if tt.reason == "" {
			if err != nil {
				t.Errorf("leeway %v: %v", tt.leeway, err)
			}
			continue
		}
		wantReason(t, err, tt.reason)
	}
}

func TestVerifyRoles(t *testing.T) {
	now := time.Now()
	v, err := NewVerifier(Config{Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		roles     any // nil means claim absent
		want      []string
		wantAdmin bool
	}{
		{"array", []string{"lecturer", "admin"}, []string{"lecturer", "admin"}, true},
		{"single string", "admin", []string{"admin"}, true},
		{"single non-admin", "student", []string{"student"}, false},
		{"empty array", []string{}, []string{}, false},
		{"absent", nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims := jwt.MapClaims{"sub": "alice", "exp": now.Add(time.Hour).Unix()}
			if tt.roles != nil {
				claims["roles"] = tt.roles
			}
			c, err := v.Verify(t.Context(), sign(t, jwt.SigningMethodHS256, testSecret, claims, nil))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !slices.Equal(c.Roles, tt.want) || (c.Roles == nil) != (tt.want == nil) {
				t.Errorf("Roles = %#v, want %#v", c.Roles, tt.want)
			}
			if c.IsAdmin() != tt.wantAdmin {
				t.Errorf("IsAdmin = %v, want %v", c.IsAdmin(), tt.wantAdmin)
			}
		})
	}
}

// nonCanonical returns seg with the unused low bits of its last base64url
// character set, so that lenient decoding yields the same bytes.
func nonCanonical(t *testing.T, seg string) string {
	t.Helper()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	if len(seg)%4 != 3 { // 3 chars encode 2 bytes; the last char has 2 spare bits
		t.Fatalf("segment length %d has no spare bits", len(seg))
	}
	i := strings.IndexByte(alphabet, seg[len(seg)-1])
	out := seg[:len(seg)-1] + string(alphabet[i|1])
	a, errA := base64.RawURLEncoding.DecodeString(seg)
	b, errB := base64.RawURLEncoding.DecodeString(out)
	if errA != nil || errB != nil || string(a) != string(b) || out == seg {
		t.Fatalf("nonCanonical(%q) = %q does not decode to the same bytes", seg, out)
	}
	return out
}
