package auth

import (
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestMintRoundTrip(t *testing.T) {
	tests := []struct {
		name             string
		roles            []string
		issuer, audience string
	}{
		{"admin with iss and aud", []string{RoleAdmin, "lecturer"}, testIssuer, testAudience},
		{"single role", []string{"student"}, "", ""},
		{"no roles", nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := time.Now().Truncate(time.Second)
			tok, err := Mint(testSecret, "alice", tt.roles, time.Hour, tt.issuer, tt.audience)
			if err != nil {
				t.Fatalf("Mint: %v", err)
			}
			v, err := NewVerifier(Config{Secret: testSecret, Issuer: tt.issuer, Audience: tt.audience})
			if err != nil {
				t.Fatal(err)
			}
			c, err := v.Verify(t.Context(), tok)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if c.Subject != "alice" || !slices.Equal(c.Roles, tt.roles) {
				t.Errorf("claims = %+v", c)
			}
			if exp := c.ExpiresAt.Sub(before); exp < time.Hour || exp > time.Hour+2*time.Second {
				t.Errorf("ExpiresAt - now = %v, want about 1h", exp)
			}

			// Inspect the raw claims.
			var raw jwt.MapClaims
			if _, _, err := jwt.NewParser().ParseUnverified(tok, &raw); err != nil {
				t.Fatal(err)
			}
			for _, claim := range []string{"iat", "nbf", "exp", "jti", "sub"} {
				if _, ok := raw[claim]; !ok {
					t.Errorf("claim %q missing from %v", claim, raw)
				}
			}
			if _, ok := raw["iss"]; ok != (tt.issuer != "") {
				t.Errorf("iss present = %v, want %v", ok, tt.issuer != "")
			}
			if _, ok := raw["aud"]; ok != (tt.audience != "") {
				t.Errorf("aud present = %v, want %v", ok, tt.audience != "")
			}
			if raw["iat"] != raw["nbf"] {
				t.Errorf("iat %v != nbf %v", raw["iat"], raw["nbf"])
			}
		})
	}
}

func TestMintUniqueJTI(t *testing.T) {
	a, err := Mint(testSecret, "alice", nil, time.Hour, "", "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := Mint(testSecret, "alice", nil, time.Hour, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Error("two tokens minted in the same second are identical; jti is not random")
	}
}

func TestMintRejectsAudienceMismatch(t *testing.T) {
	tok, err := Mint(testSecret, "alice", nil, time.Hour, "", "other-api")
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(Config{Secret: testSecret, Audience: testAudience})
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(t.Context(), tok)
	wantReason(t, err, reasonAudience)
}

func TestMintErrors(t *testing.T) {
	tests := []struct {
		name    string
		secret  []byte
		sub     string
		ttl     time.Duration
		wantErr string
	}{
		{"short secret", testSecret[:16], "alice", time.Hour, "secret must be at least 32 bytes"},
		{"nil secret", nil, "alice", time.Hour, "secret"},
		{"empty subject", testSecret, "", time.Hour, "subject"},
		{"blank subject", testSecret, " \t", time.Hour, "subject"},
		{"zero ttl", testSecret, "alice", 0, "ttl"},
		{"negative ttl", testSecret, "alice", -time.Second, "ttl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := Mint(tt.secret, tt.sub, nil, tt.ttl, "", "")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Mint = %q, %v; want error containing %q", tok, err, tt.wantErr)
			}
			if tok != "" {
				t.Errorf("token = %q on error", tok)
			}
		})
	}
}

func TestNewSecret(t *testing.T) {
	a, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := hex.DecodeString(a)
	if err != nil || len(raw) != 32 {
		t.Fatalf("NewSecret = %q: not 32 hex-encoded bytes (%v)", a, err)
	}
	if a == b {
		t.Error("NewSecret returned the same value twice")
	}
	// The hex string is usable as a secret as-is.
	tok, err := Mint([]byte(a), "alice", nil, time.Minute, "", "")
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(Config{Secret: []byte(a)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(t.Context(), tok); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}
