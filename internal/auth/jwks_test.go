package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"slices"
	"strings"
	"testing"
)

// rsaJWK returns the JWK of pub.
func rsaJWK(kid string, pub *rsa.PublicKey) map[string]any {
	return map[string]any{
		"kty": "RSA",
		"kid": kid,
		"use": "sig",
		"alg": "RS256",
		"n":   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}
}

// ecJWK returns the JWK of pub, a P-256 key.
func ecJWK(t testing.TB, kid string, pub *ecdsa.PublicKey) map[string]any {
	t.Helper()
	b, err := pub.Bytes() // 0x04 || X || Y
	if err != nil {
		t.Fatal(err)
	}
	return map[string]any{
		"kty": "EC",
		"kid": kid,
		"crv": "P-256",
		"x":   base64.RawURLEncoding.EncodeToString(b[1:33]),
		"y":   base64.RawURLEncoding.EncodeToString(b[33:]),
	}
}

// jwksJSON encodes keys as a JWKS document.
func jwksJSON(t testing.TB, keys ...map[string]any) []byte {
	t.Helper()
	if keys == nil {
		keys = []map[string]any{}
	}
	b, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withMember returns a copy of m with the given member changed (or removed when
// v is nil).
func withMember(m map[string]any, k string, v any) map[string]any {
	c := make(map[string]any, len(m))
	for kk, vv := range m {
		c[kk] = vv
	}
	if v == nil {
		delete(c, k)
	} else {
		c[k] = v
	}
	return c
}

func TestParseJWKS(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	weakKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaK := rsaJWK("r", &rsaKey.PublicKey)
	ecK := ecJWK(t, "e", &ecKey.PublicKey)
	p384Bytes, err := p384.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	p384K := map[string]any{
		"kty": "EC", "kid": "p384", "crv": "P-384",
		"x": base64.RawURLEncoding.EncodeToString(p384Bytes[1:49]),
		"y": base64.RawURLEncoding.EncodeToString(p384Bytes[49:]),
	}
	// A point that is not on P-256: flip one bit of y.
	yBytes, _ := base64.RawURLEncoding.DecodeString(ecK["y"].(string))
	yBytes[31] ^= 1
	offCurve := withMember(ecK, "y", base64.RawURLEncoding.EncodeToString(yBytes))

	tests := []struct {
		name     string
		doc      string
		wantKids []string // nil means error
	}{
		{"rsa and ec", string(jwksJSON(t, rsaK, ecK)), []string{"e", "r"}},
		{"padded base64 tolerated", string(jwksJSON(t, withMember(rsaK, "e", "AQAB===="))), []string{"r"}},
		{"rsa without use and alg", string(jwksJSON(t, withMember(withMember(rsaK, "use", nil), "alg", nil))), []string{"r"}},
		{"key without kid", string(jwksJSON(t, withMember(ecK, "kid", nil))), []string{""}},
		{"duplicate kid keeps first", string(jwksJSON(t, rsaK, withMember(ecK, "kid", "r"))), []string{"r"}},
		{"unusable keys skipped", string(jwksJSON(t,
			rsaK,
			map[string]any{"kty": "oct", "kid": "sym", "k": "c2VjcmV0"},
			map[string]any{"kty": "OKP", "kid": "ed", "crv": "Ed25519", "x": "AAAA"},
			withMember(ecK, "use", "enc"),
			withMember(ecK, "alg", "ES384"),
			withMember(rsaK, "alg", "PS256"),
			p384K,
			offCurve,
			withMember(ecK, "x", "AAAA"),
			withMember(rsaK, "n", "!!"),
			withMember(rsaK, "e", "Ag"),       // e = 2
			withMember(rsaK, "e", "AQAAAAAB"), // e too large
			withMember(rsaK, "e", nil),
			rsaJWK("weak", &weakKey.PublicKey),
			map[string]any{"kty": "RSA", "kid": 7},
		)), []string{"r"}},
		{"no usable keys", string(jwksJSON(t, withMember(ecK, "crv", "P-521"))), nil},
		{"empty set", `{"keys":[]}`, nil},
		{"no keys member", `{}`, nil},
		{"not JSON", `<html>`, nil},
		{"keys not an array", `{"keys":{}}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ks, err := parseJWKS([]byte(tt.doc))
			if tt.wantKids == nil {
				if err == nil {
					t.Fatalf("parseJWKS succeeded with kids %v, want error", kids(ks))
				}
				return
			}
			if err != nil {
				t.Fatalf("parseJWKS: %v", err)
			}
			if got := kids(ks); !slices.Equal(got, tt.wantKids) {
				t.Errorf("kids = %q, want %q", got, tt.wantKids)
			}
		})
	}

	// The parsed keys equal the originals.
	ks, err := parseJWKS(jwksJSON(t, rsaK, ecK))
	if err != nil {
		t.Fatal(err)
	}
	if !rsaKey.PublicKey.Equal(ks["r"].key) {
		t.Error("parsed RSA key differs from the original")
	}
	if !ecKey.PublicKey.Equal(ks["e"].key) {
		t.Error("parsed EC key differs from the original")
	}
	if ks["r"].alg != "RS256" || ks["e"].alg != "" {
		t.Errorf("alg = %q, %q; want RS256, \"\"", ks["r"].alg, ks["e"].alg)
	}
}

func kids(ks keySet) []string {
	var out []string
	for k := range ks {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestKeySetFind(t *testing.T) {
	one := keySet{"a": {alg: "RS256"}}
	two := keySet{"a": {alg: "RS256"}, "b": {alg: "ES256"}}
	tests := []struct {
		name string
		ks   keySet
		kid  string
		want string // alg of the key found; "" means not found
	}{
		{"by kid", two, "b", "ES256"},
		{"unknown kid", two, "c", ""},
		{"no kid, single key", one, "", "RS256"},
		{"no kid, several keys", two, "", ""},
		{"nil set", nil, "", ""},
	}
	for _, tt := range tests {
		k, ok := tt.ks.find(tt.kid)
		if ok != (tt.want != "") || k.alg != tt.want {
			t.Errorf("%s: find(%q) = %+v, %v; want alg %q", tt.name, tt.kid, k, ok, tt.want)
		}
	}
}

// Ensure a malformed document is reported, not silently treated as empty.
func TestParseJWKSErrorMentionsSkipped(t *testing.T) {
	_, err := parseJWKS([]byte(`{"keys":[{"kty":"oct","kid":"x"}]}`))
	if err == nil || !strings.Contains(err.Error(), `unsupported kty "oct"`) {
		t.Fatalf("err = %v, want it to explain the skipped key", err)
	}
}
