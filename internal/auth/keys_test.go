package auth

import (
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// rawToken decodes the header and payload of token without verifying it.
func rawToken(t testing.TB, token string) (header map[string]any, claims jwt.MapClaims) {
	t.Helper()
	tok, _, err := jwt.NewParser().ParseUnverified(token, jwt.MapClaims{})
	if err != nil {
		t.Fatalf("ParseUnverified: %v", err)
	}
	return tok.Header, tok.Claims.(jwt.MapClaims)
}

func TestMintRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		roles    []string
		audience string
	}{
		{"admin with aud", []string{RoleAdmin, "lecturer"}, testAudience},
		{"single role", []string{"student"}, ""},
		{"no roles", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := time.Now().Truncate(time.Second)
			tok, err := testKey.Mint(Token{Subject: "alice", Roles: tt.roles, TTL: time.Hour, Audience: tt.audience})
			if err != nil {
				t.Fatalf("Mint: %v", err)
			}
			v, err := NewVerifier(Config{Key: testKey.Public(), Audience: tt.audience})
			if err != nil {
				t.Fatal(err)
			}
			c, err := v.Verify(t.Context(), tok)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if c.Subject != "alice" || !slices.Equal(c.Roles, tt.roles) || !c.Own {
				t.Errorf("claims = %+v, want alice's, roles %v, Own", c, tt.roles)
			}
			if exp := c.ExpiresAt.Sub(before); exp < time.Hour || exp > time.Hour+2*time.Second {
				t.Errorf("ExpiresAt - now = %v, want about 1h", exp)
			}

			header, raw := rawToken(t, tok)
			if header["alg"] != "ES256" || header["kid"] != testKey.KeyID() {
				t.Errorf("header = %v, want alg ES256 and kid %q", header, testKey.KeyID())
			}
			for _, claim := range []string{"iat", "nbf", "exp", "jti", "sub"} {
				if _, ok := raw[claim]; !ok {
					t.Errorf("claim %q missing from %v", claim, raw)
				}
			}
			if raw["iss"] != Issuer {
				t.Errorf("iss = %v, want %q", raw["iss"], Issuer)
			}
			if _, ok := raw["aud"]; ok != (tt.audience != "") {
				t.Errorf("aud present = %v, want %v", ok, tt.audience != "")
			}
			if _, ok := raw["roles"]; ok != (len(tt.roles) > 0) {
				t.Errorf("roles present = %v, want %v", ok, len(tt.roles) > 0)
			}
			if raw["iat"] != raw["nbf"] {
				t.Errorf("iat %v != nbf %v", raw["iat"], raw["nbf"])
			}
			if exp, iat := raw["exp"].(float64), raw["iat"].(float64); exp-iat != time.Hour.Seconds() {
				t.Errorf("exp - iat = %vs, want 3600", exp-iat)
			}
		})
	}
}

func TestMintUniqueJTI(t *testing.T) {
	a, err := testKey.Mint(Token{Subject: "alice", TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	b, err := testKey.Mint(Token{Subject: "alice", TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	_, ca := rawToken(t, a)
	_, cb := rawToken(t, b)
	if ca["jti"] == cb["jti"] || ca["jti"] == "" {
		t.Errorf("jti %v and %v: not random", ca["jti"], cb["jti"])
	}
}

func TestMintRejectsAudienceMismatch(t *testing.T) {
	tok, err := testKey.Mint(Token{Subject: "alice", TTL: time.Hour, Audience: "other-api"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(Config{Key: testKey.Public(), Audience: testAudience})
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(t.Context(), tok)
	wantReason(t, err, reasonAudience)
}

func TestMintByAnotherKey(t *testing.T) {
	other, err := NewSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	if other.KeyID() == testKey.KeyID() {
		t.Fatal("two keys share a kid")
	}
	tok, err := other.Mint(Token{Subject: "alice", TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(Config{Key: testKey.Public()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(t.Context(), tok)
	wantReason(t, err, reasonUnknownKey)
}

func TestMintMaxLifetime(t *testing.T) {
	v, err := NewVerifier(Config{Key: testKey.Public()})
	if err != nil {
		t.Fatal(err)
	}
	ok, err := testKey.Mint(Token{Subject: "alice", TTL: DefaultMaxLifetime})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(t.Context(), ok); err != nil {
		t.Errorf("token valid for DefaultMaxLifetime: %v", err)
	}
	tooLong, err := testKey.Mint(Token{Subject: "alice", TTL: DefaultMaxLifetime + time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(t.Context(), tooLong)
	wantReason(t, err, reasonLifetime)
}

func TestMintErrors(t *testing.T) {
	tests := []struct {
		name    string
		tok     Token
		wantErr string
	}{
		{"empty subject", Token{TTL: time.Hour}, "subject"},
		{"blank subject", Token{Subject: " \t", TTL: time.Hour}, "subject"},
		{"zero ttl", Token{Subject: "alice"}, "ttl"},
		{"negative ttl", Token{Subject: "alice", TTL: -time.Second}, "ttl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := testKey.Mint(tt.tok)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Mint = %q, %v; want error containing %q", tok, err, tt.wantErr)
			}
			if tok != "" {
				t.Errorf("token = %q on error", tok)
			}
		})
	}
}

func TestMintPermissions(t *testing.T) {
	const ns = "computor"
	tests := []struct {
		name      string
		roles     []string
		namespace string
		want      []string // nil: no "permissions" claim
	}{
		{"admin", []string{RoleAdmin}, ns, []string{"temporal-system:admin"}},
		{"api service", []string{RoleAPIService}, ns, []string{ns + ":write"}},
		{"worker service", []string{RoleWorkerService}, ns, []string{ns + ":write"}},
		{"other namespace", []string{RoleWorkerService}, "tenant-b", []string{"tenant-b:write"}},
		{"admin among others", []string{"lecturer", RoleAdmin}, ns, []string{"temporal-system:admin"}},
		{"lecturer", []string{"lecturer"}, ns, nil},
		{"student", []string{"student"}, ns, nil},
		{"no roles", nil, ns, nil},
		{"role names are exact", []string{"Admin", "api-service "}, ns, nil},
		{"admin without namespace", []string{RoleAdmin}, "", nil},
		{"service without namespace", []string{RoleAPIService, RoleWorkerService}, "", nil},
	}
	v, err := NewVerifier(Config{Key: testKey.Public()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := testKey.Mint(Token{Subject: "svc", Roles: tt.roles, TTL: time.Hour, Namespace: tt.namespace})
			if err != nil {
				t.Fatal(err)
			}
			_, raw := rawToken(t, tok)
			got, present := raw["permissions"]
			if tt.want == nil {
				if present {
					t.Fatalf("permissions = %v, want no claim", got)
				}
			} else {
				list, ok := got.([]any)
				if !ok {
					t.Fatalf("permissions = %#v, want a JSON array", got)
				}
				var strs []string
				for _, p := range list {
					s, ok := p.(string)
					if !ok {
						t.Fatalf("permission %#v is not a string", p)
					}
					strs = append(strs, s)
				}
				if !slices.Equal(strs, tt.want) {
					t.Errorf("permissions = %q, want %q", strs, tt.want)
				}
			}
			// The claim does not stop the token from verifying.
			c, err := v.Verify(t.Context(), tok)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !slices.Equal(c.Roles, tt.roles) {
				t.Errorf("Roles = %q, want %q", c.Roles, tt.roles)
			}
		})
	}
}

func TestSigningKeyPEMRoundTrip(t *testing.T) {
	k, err := NewSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	data, err := k.PEM()
	if err != nil {
		t.Fatal(err)
	}
	if block, rest := pem.Decode(data); block == nil || block.Type != "PRIVATE KEY" || len(rest) != 0 {
		t.Fatalf("PEM() = %q, want one PRIVATE KEY block", data)
	}
	back, err := ParseSigningKey(data)
	if err != nil {
		t.Fatalf("ParseSigningKey(PEM()): %v", err)
	}
	if back.KeyID() != k.KeyID() || !back.Public().Equal(k.Public()) || !back.priv.Equal(k.priv) {
		t.Fatal("key changed in a PEM round trip")
	}
	// A token of the parsed key verifies with the original's public half.
	tok, err := back.Mint(Token{Subject: "alice", TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(Config{Key: k.Public()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(t.Context(), tok); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func TestParseSigningKey(t *testing.T) {
	p256 := genEC(t)
	p384 := genECCurve(t, elliptic.P384())
	rsaKey := genRSA(t)
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	// pemOf returns a function encoding DER as a PEM block of type typ.
	pemOf := func(typ string) func(der []byte, err error) string {
		return func(der []byte, err error) string {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
		}
	}
	sec1 := pemOf("EC PRIVATE KEY")(x509.MarshalECPrivateKey(p256))
	pkcs8 := pemOf("PRIVATE KEY")(x509.MarshalPKCS8PrivateKey(p256))
	// The parameters block of prime256v1, as openssl ecparam -genkey
	// writes it before the key.
	const ecParams = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"

	tests := []struct {
		name    string
		data    string
		wantErr string // "" means accepted as p256
	}{
		{"PKCS#8", pkcs8, ""},
		{"SEC 1", sec1, ""},
		{"SEC 1 after EC PARAMETERS", ecParams + sec1, ""},
		{"text around the block", "key file\n" + pkcs8 + "trailer\n", ""},
		{"EC PARAMETERS only", ecParams, "no PEM block"},
		{"RSA PKCS#8", pemOf("PRIVATE KEY")(x509.MarshalPKCS8PrivateKey(rsaKey)), "P-256"},
		{"RSA PKCS#1", pemOf("RSA PRIVATE KEY")(x509.MarshalPKCS1PrivateKey(rsaKey), nil), "RSA PRIVATE KEY"},
		{"Ed25519 PKCS#8", pemOf("PRIVATE KEY")(x509.MarshalPKCS8PrivateKey(edKey)), "P-256"},
		{"P-384 PKCS#8", pemOf("PRIVATE KEY")(x509.MarshalPKCS8PrivateKey(p384)), "P-256"},
		{"P-384 SEC 1", pemOf("EC PRIVATE KEY")(x509.MarshalECPrivateKey(p384)), "P-256"},
		{"public key", pemOf("PUBLIC KEY")(x509.MarshalPKIXPublicKey(&p256.PublicKey)), "PUBLIC KEY"},
		{"PKCS#8 bytes labelled SEC 1", pemOf("EC PRIVATE KEY")(x509.MarshalPKCS8PrivateKey(p256)), "signing key"},
		{"garbage in a PEM block", pemOf("PRIVATE KEY")([]byte("not DER"), nil), "signing key"},
		{"garbage", "not a key", "no PEM block"},
		{"empty", "", "no PEM block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseSigningKey([]byte(tt.data))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseSigningKey = %v, %v; want error containing %q", k, err, tt.wantErr)
				}
				if k != nil {
					t.Errorf("key = %v on error", k)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseSigningKey: %v", err)
			}
			if !k.Public().Equal(&p256.PublicKey) {
				t.Error("parsed key differs from the original")
			}
		})
	}
}

func TestKeyID(t *testing.T) {
	// RFC 7638, section 3.2: the SHA-256 of the required members in
	// lexicographic order, without whitespace. Computed here without
	// go-jose.
	pub, err := testKey.Public().Bytes() // 0x04 || X || Y
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding
	canonical := fmt.Sprintf(`{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}`, enc.EncodeToString(pub[1:33]), enc.EncodeToString(pub[33:]))
	sum := sha256.Sum256([]byte(canonical))
	if want := enc.EncodeToString(sum[:]); testKey.KeyID() != want {
		t.Errorf("KeyID = %q, want the RFC 7638 thumbprint %q", testKey.KeyID(), want)
	}

	again, err := ParseSigningKey([]byte(testKeyPEM))
	if err != nil {
		t.Fatal(err)
	}
	if again.KeyID() != testKey.KeyID() {
		t.Errorf("KeyID not stable: %q, then %q", testKey.KeyID(), again.KeyID())
	}
	kid, err := keyID(testKey.Public())
	if err != nil || kid != testKey.KeyID() {
		t.Errorf("keyID(Public()) = %q, %v; want %q", kid, err, testKey.KeyID())
	}

	tok, err := testKey.Mint(Token{Subject: "alice", TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if header, _ := rawToken(t, tok); header["kid"] != testKey.KeyID() {
		t.Errorf("kid header = %v, want %q", header["kid"], testKey.KeyID())
	}
}

func TestSigningKeyJWKS(t *testing.T) {
	data, err := testKey.JWKS()
	if err != nil {
		t.Fatal(err)
	}
	ks, err := parseJWKS(data)
	if err != nil {
		t.Fatalf("parseJWKS(JWKS()): %v", err)
	}
	if len(ks) != 1 {
		t.Fatalf("JWKS has kids %q, want only %q", kids(ks), testKey.KeyID())
	}
	pk, ok := ks[testKey.KeyID()]
	if !ok {
		t.Fatalf("JWKS has kids %q, want %q", kids(ks), testKey.KeyID())
	}
	if !testKey.Public().Equal(pk.key) || pk.alg != "ES256" {
		t.Errorf("JWKS key = %+v, want the public key with alg ES256", pk)
	}

	// Only the public half is published.
	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Keys) != 1 {
		t.Fatalf("JWKS = %s, want one key", data)
	}
	jwk := doc.Keys[0]
	if _, ok := jwk["d"]; ok {
		t.Fatalf("JWKS publishes the private key: %s", data)
	}
	for member, want := range map[string]string{"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": testKey.KeyID()} {
		if jwk[member] != want {
			t.Errorf("JWKS %q = %v, want %q", member, jwk[member], want)
		}
	}

	// The package's JWKS mode reads the document: a token the key signs
	// for an identity provider verifies against it.
	srv := newJWKSServer(t, data)
	clock := newFakeClock()
	v := jwksVerifier(t, srv.URL, clock)
	tok := sign(t, jwt.SigningMethodES256, testKey.priv, baseClaims(clock.Now()), kidHeader(testKey.KeyID()))
	if c, err := v.Verify(t.Context(), tok); err != nil || c.Subject != "alice" {
		t.Fatalf("Verify against JWKS() = %+v, %v", c, err)
	}
	// Its own tokens do not pass for the identity provider's.
	own, err := testKey.Mint(Token{Subject: "alice", TTL: time.Hour, Audience: testAudience})
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(t.Context(), own)
	wantReason(t, err, reasonIssuer)
}
