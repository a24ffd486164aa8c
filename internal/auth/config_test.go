package auth

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestNewVerifierConfig(t *testing.T) {
	const jwksURL = "https://id.example.test/jwks"
	tests := []struct {
		name    string
		cfg     Config
		wantErr string // substring naming the bad field; "" means valid
	}{
		{"secret", Config{Secret: testSecret}, ""},
		{"secret with issuer and audience", Config{Secret: testSecret, Issuer: "i", Audience: "a"}, ""},
		{"jwks", Config{JWKSURL: jwksURL, Issuer: "i", Audience: "a"}, ""},
		{"jwks over http", Config{JWKSURL: "http://keycloak:8080/certs", Issuer: "i", Audience: "a"}, ""},
		{"neither", Config{}, "Config.Secret or Config.JWKSURL"},
		{"both", Config{Secret: testSecret, JWKSURL: jwksURL, Issuer: "i", Audience: "a"}, "mutually exclusive"},
		{"short secret", Config{Secret: testSecret[:31]}, "Config.Secret: must be at least 32 bytes, got 31"},
		{"jwks without issuer", Config{JWKSURL: jwksURL, Audience: "a"}, "Config.Issuer"},
		{"jwks without audience", Config{JWKSURL: jwksURL, Issuer: "i"}, "Config.Audience"},
		{"jwks bad scheme", Config{JWKSURL: "ftp://x/jwks", Issuer: "i", Audience: "a"}, "Config.JWKSURL: scheme"},
		{"jwks relative", Config{JWKSURL: "/jwks", Issuer: "i", Audience: "a"}, "Config.JWKSURL"},
		{"jwks no host", Config{JWKSURL: "https:///jwks", Issuer: "i", Audience: "a"}, "Config.JWKSURL: missing host"},
		{"jwks unparsable", Config{JWKSURL: "https://x/%zz", Issuer: "i", Audience: "a"}, "Config.JWKSURL: parse"},
		{"negative leeway", Config{Secret: testSecret, Leeway: -time.Second}, "Config.Leeway"},
		{"negative refresh", Config{JWKSURL: jwksURL, Issuer: "i", Audience: "a", JWKSRefresh: -time.Second}, "Config.JWKSRefresh"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewVerifier(tt.cfg)
			if tt.wantErr == "" {
				if err != nil || v == nil {
					t.Fatalf("NewVerifier = %v, %v; want a verifier", v, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("NewVerifier succeeded, want error containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %q, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestNewVerifierDefaults(t *testing.T) {
	v, err := NewVerifier(Config{JWKSURL: "https://id.example.test/jwks", Issuer: "i", Audience: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if v.cfg.Leeway != DefaultLeeway {
		t.Errorf("Leeway = %v, want %v", v.cfg.Leeway, DefaultLeeway)
	}
	if v.jwks.refresh != DefaultJWKSRefresh {
		t.Errorf("JWKSRefresh = %v, want %v", v.jwks.refresh, DefaultJWKSRefresh)
	}
	if v.jwks.client == nil || v.jwks.client.Timeout != DefaultJWKSTimeout {
		t.Errorf("HTTP client = %+v, want timeout %v", v.jwks.client, DefaultJWKSTimeout)
	}

	client := &http.Client{}
	v, err = NewVerifier(Config{JWKSURL: "https://id.example.test/jwks", Issuer: "i", Audience: "a", HTTPClient: client, JWKSRefresh: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if v.jwks.client != client || v.jwks.refresh != time.Minute {
		t.Errorf("explicit HTTPClient/JWKSRefresh not used")
	}
}

func TestNewVerifierCopiesSecret(t *testing.T) {
	secret := append([]byte(nil), testSecret...)
	v, err := NewVerifier(Config{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := Mint(testSecret, "alice", nil, time.Hour, "", "")
	if err != nil {
		t.Fatal(err)
	}
	secret[0] ^= 0xff // must not affect v
	if _, err := v.Verify(t.Context(), tok); err != nil {
		t.Fatalf("Verify after caller changed its secret slice: %v", err)
	}
	if s := v.String(); strings.Contains(s, string(testSecret)) {
		t.Errorf("String() leaks the secret: %q", s)
	}
}
