package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestNewVerifierConfig(t *testing.T) {
	const jwksURL = "https://id.example.test/jwks"
	key := testKey.Public()
	p384Key := genECCurve(t, elliptic.P384())
	p521Key := genECCurve(t, elliptic.P521())
	offCurve := &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).Set(key.X), Y: new(big.Int).Add(key.Y, big.NewInt(1))}
	tests := []struct {
		name    string
		cfg     Config
		wantErr string // substring naming the bad field; "" means valid
	}{
		{"key", Config{Key: key}, ""},
		{"key with audience", Config{Key: key, Audience: "a"}, ""},
		{"jwks", Config{JWKSURL: jwksURL, Issuer: "i", Audience: "a"}, ""},
		{"jwks over http", Config{JWKSURL: "http://keycloak:8080/certs", Issuer: "i", Audience: "a"}, ""},
		{"key and jwks", Config{Key: key, JWKSURL: jwksURL, Issuer: "i", Audience: "a"}, ""},
		{"max lifetime", Config{Key: key, MaxLifetime: time.Hour}, ""},
		{"neither", Config{}, "Config.Key or Config.JWKSURL"},
		{"neither, with issuer and audience", Config{Issuer: "i", Audience: "a"}, "Config.Key or Config.JWKSURL"},
		{"key on P-384", Config{Key: &p384Key.PublicKey}, "Config.Key: want a P-256 key"},
		{"key on P-521", Config{Key: &p521Key.PublicKey, JWKSURL: jwksURL, Issuer: "i", Audience: "a"}, "Config.Key: want a P-256 key"},
		{"key without curve", Config{Key: &ecdsa.PublicKey{X: key.X, Y: key.Y}}, "Config.Key"},
		{"key without coordinates", Config{Key: &ecdsa.PublicKey{Curve: elliptic.P256()}}, "Config.Key"},
		{"key off the curve", Config{Key: offCurve}, "Config.Key"},
		{"jwks without issuer", Config{JWKSURL: jwksURL, Audience: "a"}, "Config.Issuer"},
		{"jwks with Computor's issuer", Config{JWKSURL: jwksURL, Issuer: Issuer, Audience: "a"}, "Config.Issuer"},
		{"key and jwks with Computor's issuer", Config{Key: key, JWKSURL: jwksURL, Issuer: Issuer, Audience: "a"}, "Config.Issuer"},
		{"jwks without audience", Config{JWKSURL: jwksURL, Issuer: "i"}, "Config.Audience"},
		{"key and jwks without audience", Config{Key: key, JWKSURL: jwksURL, Issuer: "i"}, "Config.Audience"},
		{"jwks bad scheme", Config{JWKSURL: "ftp://x/jwks", Issuer: "i", Audience: "a"}, "Config.JWKSURL: scheme"},
		{"jwks relative", Config{JWKSURL: "/jwks", Issuer: "i", Audience: "a"}, "Config.JWKSURL"},
		{"jwks no host", Config{JWKSURL: "https:///jwks", Issuer: "i", Audience: "a"}, "Config.JWKSURL: missing host"},
		{"jwks unparsable", Config{JWKSURL: "https://x/%zz", Issuer: "i", Audience: "a"}, "Config.JWKSURL: parse"},
		{"negative leeway", Config{Key: key, Leeway: -time.Second}, "Config.Leeway"},
		{"negative refresh", Config{JWKSURL: jwksURL, Issuer: "i", Audience: "a", JWKSRefresh: -time.Second}, "Config.JWKSRefresh"},
		{"negative max lifetime", Config{Key: key, MaxLifetime: -time.Hour}, "Config.MaxLifetime"},
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
	if v.cfg.MaxLifetime != DefaultMaxLifetime {
		t.Errorf("MaxLifetime = %v, want %v", v.cfg.MaxLifetime, DefaultMaxLifetime)
	}
	if v.jwks.refresh != DefaultJWKSRefresh {
		t.Errorf("JWKSRefresh = %v, want %v", v.jwks.refresh, DefaultJWKSRefresh)
	}
	if v.jwks.client == nil || v.jwks.client.Timeout != DefaultJWKSTimeout {
		t.Errorf("HTTP client = %+v, want timeout %v", v.jwks.client, DefaultJWKSTimeout)
	}

	client := &http.Client{}
	v, err = NewVerifier(Config{JWKSURL: "https://id.example.test/jwks", Issuer: "i", Audience: "a", HTTPClient: client, JWKSRefresh: time.Minute, MaxLifetime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if v.jwks.client != client || v.jwks.refresh != time.Minute || v.cfg.MaxLifetime != time.Hour {
		t.Errorf("explicit HTTPClient/JWKSRefresh/MaxLifetime not used")
	}

	// Only the key: nothing to fetch.
	v, err = NewVerifier(Config{Key: testKey.Public()})
	if err != nil {
		t.Fatal(err)
	}
	if v.jwks != nil || v.cfg.HTTPClient != nil {
		t.Errorf("key-only verifier has a JWKS cache %v or client %v", v.jwks, v.cfg.HTTPClient)
	}
	if v.kid != testKey.KeyID() {
		t.Errorf("kid = %q, want %q", v.kid, testKey.KeyID())
	}
}

func TestVerifierString(t *testing.T) {
	const jwksURL = "https://id.example.test/jwks"
	v, err := NewVerifier(Config{Key: testKey.Public(), JWKSURL: jwksURL, Issuer: testIssuer, Audience: testAudience})
	if err != nil {
		t.Fatal(err)
	}
	s := v.String()
	for _, want := range []string{testKey.KeyID(), jwksURL, testIssuer, testAudience, DefaultMaxLifetime.String()} {
		if !strings.Contains(s, want) {
			t.Errorf("String() = %q, want it to mention %q", s, want)
		}
	}
	keyOnly, err := NewVerifier(Config{Key: testKey.Public()})
	if err != nil {
		t.Fatal(err)
	}
	if s := keyOnly.String(); strings.Contains(s, "jwks") || !strings.Contains(s, testKey.KeyID()) {
		t.Errorf("String() of a key-only verifier = %q", s)
	}
}
