package auth

import (
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestVerifyOwnKey(t *testing.T) {
	now := time.Now()
	v, err := NewVerifier(Config{Key: testKey.Public(), Audience: testAudience})
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	otherKey := genEC(t)
	kid := testKey.KeyID()

	// with returns ownClaims changed by f.
	with := func(f func(jwt.MapClaims)) jwt.MapClaims {
		c := ownClaims(now)
		f(c)
		return c
	}
	es := func(c jwt.MapClaims) string { return signOwn(t, c) }
	valid := es(ownClaims(now))
	parts := strings.Split(valid, ".")
	payload := b64JSON(t, ownClaims(now))
	ownHeader := func(alg string) string { return b64(fmt.Sprintf(`{"alg":%q,"typ":"JWT","kid":%q}`, alg, kid)) }

	// The public key in every form an attacker might feed to HMAC.
	pubDER, err := x509.MarshalPKIXPublicKey(testKey.Public())
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	pubPoint, err := testKey.Public().Bytes()
	if err != nil {
		t.Fatal(err)
	}
	pubJWKS, err := testKey.JWKS()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		t.Fatalf("ES256 signature: %d bytes, %v", len(sig), err)
	}
	swapped := base64.RawURLEncoding.EncodeToString(append(slices.Clone(sig[32:]), sig[:32]...))

	tests := []struct {
		name   string
		token  string
		reason string // "" means accepted
	}{
		{"valid", valid, ""},
		{"aud array containing audience", es(with(func(c jwt.MapClaims) { c["aud"] = []string{"other", testAudience} })), ""},
		{"expired within leeway", es(with(func(c jwt.MapClaims) { c["exp"] = now.Add(-10 * time.Second).Unix() })), ""},
		{"no nbf and iat", es(with(func(c jwt.MapClaims) { delete(c, "nbf"); delete(c, "iat") })), ""},
		{"exp a fractional number", es(with(func(c jwt.MapClaims) { c["exp"] = float64(now.Add(time.Hour).Unix()) + 0.5 })), ""},

		{"empty", "", reasonMissingToken},
		{"too large", strings.Repeat("a", maxTokenBytes+1), reasonTokenTooLarge},
		{"one segment", "abc", reasonMalformed},
		{"four segments", valid + ".x", reasonMalformed},
		{"garbage segments", "a.b.c", reasonMalformed},
		{"header not JSON", b64("nope") + "." + parts[1] + "." + parts[2], reasonMalformed},
		{"padded base64 signature", parts[0] + "." + parts[1] + "." + parts[2] + "==", reasonMalformed},
		{"non-canonical base64 signature", parts[0] + "." + parts[1] + "." + nonCanonical(t, parts[2]), reasonMalformed},
		{"roles wrong type", es(with(func(c jwt.MapClaims) { c["roles"] = 7 })), reasonMalformed},
		{"exp wrong type", es(with(func(c jwt.MapClaims) { c["exp"] = "tomorrow" })), reasonMalformed},

		{"alg none", b64(`{"alg":"none","typ":"JWT"}`) + "." + payload + ".", reasonAlgorithm},
		{"alg none with kid and signature", ownHeader("none") + "." + payload + "." + parts[2], reasonAlgorithm},
		{"alg None", b64(`{"alg":"None"}`) + "." + payload + ".", reasonAlgorithm},
		{"alg missing", b64(fmt.Sprintf(`{"typ":"JWT","kid":%q}`, kid)) + "." + payload + "." + parts[2], reasonAlgorithm},
		{"alg not a string", b64(`{"alg":256}`) + "." + payload + "." + parts[2], reasonAlgorithm},
		{"HS256 keyed with the public key PEM", sign(t, jwt.SigningMethodHS256, pubPEM, ownClaims(now), kidHeader(kid)), reasonAlgorithm},
		{"HS256 keyed with the public key DER", sign(t, jwt.SigningMethodHS256, pubDER, ownClaims(now), kidHeader(kid)), reasonAlgorithm},
		{"HS256 keyed with the public point", sign(t, jwt.SigningMethodHS256, pubPoint, ownClaims(now), kidHeader(kid)), reasonAlgorithm},
		{"HS256 keyed with the JWKS", sign(t, jwt.SigningMethodHS256, pubJWKS, ownClaims(now), kidHeader(kid)), reasonAlgorithm},
		{"RS256 signed with an RSA key", sign(t, jwt.SigningMethodRS256, rsaKey, ownClaims(now), kidHeader(kid)), reasonAlgorithm},
		{"RS256 header, ES256 signature", ownHeader("RS256") + "." + parts[1] + "." + parts[2], reasonAlgorithm},
		{"ES384", sign(t, jwt.SigningMethodES384, genECCurve(t, elliptic.P384()), ownClaims(now), kidHeader(kid)), reasonAlgorithm},

		{"another key with the same kid", sign(t, jwt.SigningMethodES256, otherKey, ownClaims(now), kidHeader(kid)), reasonSignature},
		{"tampered payload", parts[0] + "." + b64JSON(t, with(func(c jwt.MapClaims) { c["roles"] = []string{RoleAdmin} })) + "." + parts[2], reasonSignature},
		{"empty signature", parts[0] + "." + parts[1] + ".", reasonSignature},
		{"r and s swapped", parts[0] + "." + parts[1] + "." + swapped, reasonSignature},

		{"missing kid", sign(t, jwt.SigningMethodES256, testKey.priv, ownClaims(now), nil), reasonUnknownKey},
		{"unknown kid", sign(t, jwt.SigningMethodES256, testKey.priv, ownClaims(now), kidHeader("other")), reasonUnknownKey},
		{"kid not a string", sign(t, jwt.SigningMethodES256, testKey.priv, ownClaims(now), map[string]any{"kid": 1}), reasonUnknownKey},

		{"expired", es(with(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() })), reasonExpired},
		{"missing exp", es(with(func(c jwt.MapClaims) { delete(c, "exp") })), reasonMissingExp},
		{"nbf in future", es(with(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Hour).Unix() })), reasonNotYetValid},
		{"iat in future", es(with(func(c jwt.MapClaims) { c["iat"] = now.Add(time.Hour).Unix() })), reasonIssuedInFuture},
		{"identity provider's issuer", es(with(func(c jwt.MapClaims) { c["iss"] = testIssuer })), reasonIssuer},
		{"issuer differs in case", es(with(func(c jwt.MapClaims) { c["iss"] = "Computor" })), reasonIssuer},
		{"missing issuer", es(with(func(c jwt.MapClaims) { delete(c, "iss") })), reasonIssuer},
		{"wrong audience", es(with(func(c jwt.MapClaims) { c["aud"] = "other-api" })), reasonAudience},
		{"wrong audience array", es(with(func(c jwt.MapClaims) { c["aud"] = []string{"x", "y"} })), reasonAudience},
		{"missing audience", es(with(func(c jwt.MapClaims) { delete(c, "aud") })), reasonAudience},
		{"missing sub", es(with(func(c jwt.MapClaims) { delete(c, "sub") })), reasonMissingSubject},
		{"empty sub", es(with(func(c jwt.MapClaims) { c["sub"] = "" })), reasonMissingSubject},
		{"blank sub", es(with(func(c jwt.MapClaims) { c["sub"] = "  " })), reasonMissingSubject},
		{"lifetime over 30 days", es(with(func(c jwt.MapClaims) { c["exp"] = now.Add(DefaultMaxLifetime + time.Hour).Unix() })), reasonLifetime},
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

// TestVerifyNumericDates checks that exp, nbf and iat must be JSON numbers
// (RFC 7519, section 2), however the payload spells them.
func TestVerifyNumericDates(t *testing.T) {
	now := time.Now()
	v, err := NewVerifier(Config{Key: testKey.Public()})
	if err != nil {
		t.Fatal(err)
	}
	exp := now.Add(time.Hour).Unix()
	iat := now.Add(-time.Minute).Unix()
	tests := []struct {
		name    string
		payload string
		reason  string // "" means accepted
	}{
		{"numbers", fmt.Sprintf(`{"sub":"alice","iss":"computor","exp":%d,"iat":%d,"nbf":%d}`, exp, iat, iat), ""},
		{"fractional exp", fmt.Sprintf(`{"sub":"alice","iss":"computor","exp":%d.25}`, exp), ""},
		{"spaces around numbers", fmt.Sprintf(`{"sub":"alice","iss":"computor","exp" :  %d , "iat":	%d }`, exp, iat), ""},

		{"exp far future as string", `{"sub":"alice","iss":"computor","exp":"9999999999"}`, reasonMalformed},
		{"exp as string", fmt.Sprintf(`{"sub":"alice","iss":"computor","exp":"%d"}`, exp), reasonMalformed},
		{"exp as string after a space", fmt.Sprintf(`{"sub":"alice","iss":"computor","exp": "%d"}`, exp), reasonMalformed},
		{"iat as string", fmt.Sprintf(`{"sub":"alice","iss":"computor","exp":%d,"iat":"%d"}`, exp, iat), reasonMalformed},
		{"nbf as string", fmt.Sprintf(`{"sub":"alice","iss":"computor","exp":%d,"nbf":"%d"}`, exp, iat), reasonMalformed},
		{"iat far future as string", fmt.Sprintf(`{"sub":"alice","iss":"computor","exp":%d,"iat":"9999999999"}`, exp), reasonMalformed},
		// encoding/json matches member names case-insensitively.
		{"EXP as string", fmt.Sprintf(`{"sub":"alice","iss":"computor","EXP":"%d"}`, exp), reasonMalformed},
		{"Nbf as string", fmt.Sprintf(`{"sub":"alice","iss":"computor","exp":%d,"Nbf":"%d"}`, exp, iat), reasonMalformed},
		{"string after a number", fmt.Sprintf(`{"sub":"alice","iss":"computor","exp":%d,"Exp":"%d"}`, exp, exp), reasonMalformed},
		{"exp true", `{"sub":"alice","iss":"computor","exp":true}`, reasonMalformed},
		{"exp array", fmt.Sprintf(`{"sub":"alice","iss":"computor","exp":[%d]}`, exp), reasonMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := v.Verify(t.Context(), signRawOwn(t, tt.payload))
			if tt.reason != "" {
				wantReason(t, err, tt.reason)
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if c.ExpiresAt.Unix() != exp {
				t.Errorf("ExpiresAt = %v, want %v", c.ExpiresAt, time.Unix(exp, 0))
			}
		})
	}
}

// signRawOwn signs payload, verbatim, with testKey.
func signRawOwn(t testing.TB, payload string) string {
	t.Helper()
	input := b64(fmt.Sprintf(`{"alg":"ES256","typ":"JWT","kid":%q}`, testKey.KeyID())) + "." + b64(payload)
	sig, err := jwt.SigningMethodES256.Sign(input, testKey.priv)
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestVerifyLifetime(t *testing.T) {
	clock := newFakeClock()
	now := clock.Now()
	day := 24 * time.Hour
	claims := func(iat time.Time, exp time.Time) jwt.MapClaims {
		c := ownClaims(now)
		delete(c, "aud")
		c["exp"] = exp.Unix()
		if iat.IsZero() {
			delete(c, "iat")
			delete(c, "nbf")
		} else {
			c["iat"], c["nbf"] = iat.Unix(), iat.Unix()
		}
		return c
	}
	tests := []struct {
		name     string
		max      time.Duration // Config.MaxLifetime
		iat, exp time.Time     // zero iat: no iat
		reason   string        // "" means accepted
	}{
		{"exactly 30 days", 0, now, now.Add(DefaultMaxLifetime), ""},
		{"30 days and the leeway", 0, now, now.Add(DefaultMaxLifetime + DefaultLeeway), ""},
		{"30 days, the leeway and a second", 0, now, now.Add(DefaultMaxLifetime + DefaultLeeway + time.Second), reasonLifetime},
		{"30 days and an hour", 0, now, now.Add(DefaultMaxLifetime + time.Hour), reasonLifetime},
		{"a year", 0, now, now.Add(365 * day), reasonLifetime},
		{"measured from iat, not now", 0, now.Add(-20 * day), now.Add(15 * day), reasonLifetime},
		{"old iat within the maximum", 0, now.Add(-20 * day), now.Add(5 * day), ""},
		{"no iat: from now, 29 days", 0, time.Time{}, now.Add(29 * day), ""},
		{"no iat: from now, 30 days and an hour", 0, time.Time{}, now.Add(DefaultMaxLifetime + time.Hour), reasonLifetime},
		{"custom maximum: 1h token", time.Hour, now, now.Add(time.Hour), ""},
		{"custom maximum: 2h token", time.Hour, now, now.Add(2 * time.Hour), reasonLifetime},
		{"custom maximum, no iat: 2h token", time.Hour, time.Time{}, now.Add(2 * time.Hour), reasonLifetime},
		{"custom maximum above the default", 60 * day, now, now.Add(45 * day), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := newVerifier(Config{Key: testKey.Public(), MaxLifetime: tt.max}, clock.Now)
			if err != nil {
				t.Fatal(err)
			}
			c, err := v.Verify(t.Context(), signOwn(t, claims(tt.iat, tt.exp)))
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			wantReason(t, err, tt.reason)
			if c != nil {
				t.Errorf("claims = %+v, want nil", c)
			}
			if ve := err.(*VerifyError); ve.Err == nil || !strings.Contains(ve.Err.Error(), "maximum") {
				t.Errorf("cause = %v, want one naming the maximum", ve.Err)
			}
		})
	}
}

func TestVerifyOwnKeyWithoutAudience(t *testing.T) {
	now := time.Now()
	v, err := NewVerifier(Config{Key: testKey.Public()})
	if err != nil {
		t.Fatal(err)
	}
	minimal := jwt.MapClaims{"sub": "bob", "iss": Issuer, "exp": now.Add(time.Minute).Unix()}
	got, err := v.Verify(t.Context(), signOwn(t, minimal))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got.Subject != "bob" || got.Roles != nil || !got.ExpiresAt.Equal(time.Unix(now.Add(time.Minute).Unix(), 0)) {
		t.Errorf("claims = %+v", got)
	}

	// Any aud is fine without Config.Audience; iss must still be Issuer.
	withAud := jwt.MapClaims{"sub": "bob", "iss": Issuer, "aud": "anything", "exp": now.Add(time.Minute).Unix()}
	if _, err := v.Verify(t.Context(), signOwn(t, withAud)); err != nil {
		t.Errorf("Verify with aud: %v", err)
	}
	for _, iss := range []any{nil, "", testIssuer, "computor "} {
		c := jwt.MapClaims{"sub": "bob", "exp": now.Add(time.Minute).Unix()}
		if iss != nil {
			c["iss"] = iss
		}
		_, err := v.Verify(t.Context(), signOwn(t, c))
		wantReason(t, err, reasonIssuer)
	}
}

func TestVerifyLeeway(t *testing.T) {
	now := time.Now()
	tok := signOwn(t, jwt.MapClaims{"sub": "a", "iss": Issuer, "exp": now.Add(-time.Minute).Unix()})
	tests := []struct {
		leeway time.Duration
		reason string
	}{
		{0, reasonExpired}, // default 30s
		{10 * time.Second, reasonExpired},
		{2 * time.Minute, ""},
	}
	for _, tt := range tests {
		v, err := NewVerifier(Config{Key: testKey.Public(), Leeway: tt.leeway})
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
	v, err := NewVerifier(Config{Key: testKey.Public()})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		roles       any // nil means claim absent
		want        []string
		wantAdmin   bool
		wantService bool
	}{
		{"array", []string{"lecturer", "admin"}, []string{"lecturer", "admin"}, true, false},
		{"single string", "admin", []string{"admin"}, true, false},
		{"single non-admin", "student", []string{"student"}, false, false},
		{"api service", []string{RoleAPIService}, []string{RoleAPIService}, false, true},
		{"worker service", RoleWorkerService, []string{RoleWorkerService}, false, true},
		{"empty array", []string{}, []string{}, false, false},
		{"absent", nil, nil, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims := jwt.MapClaims{"sub": "alice", "iss": Issuer, "exp": now.Add(time.Hour).Unix()}
			if tt.roles != nil {
				claims["roles"] = tt.roles
			}
			c, err := v.Verify(t.Context(), signOwn(t, claims))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !slices.Equal(c.Roles, tt.want) || (c.Roles == nil) != (tt.want == nil) {
				t.Errorf("Roles = %#v, want %#v", c.Roles, tt.want)
			}
			if c.IsAdmin() != tt.wantAdmin {
				t.Errorf("IsAdmin = %v, want %v", c.IsAdmin(), tt.wantAdmin)
			}
			if c.IsService() != tt.wantService {
				t.Errorf("IsService = %v, want %v", c.IsService(), tt.wantService)
			}
		})
	}
}

// TestVerifyOwnKeyAndJWKS checks a verifier with both Computor's key and
// an identity provider: the kid picks the key, and the key the issuer.
func TestVerifyOwnKeyAndJWKS(t *testing.T) {
	idpEC, idpRSA := genEC(t), genRSA(t)
	srv := newJWKSServer(t, jwksJSON(t,
		ecJWK(t, "idp-ec", &idpEC.PublicKey),
		rsaJWK("idp-rsa", &idpRSA.PublicKey),
	))
	clock := newFakeClock()
	v, err := newVerifier(Config{
		Key:        testKey.Public(),
		JWKSURL:    srv.URL,
		Issuer:     testIssuer,
		Audience:   testAudience,
		HTTPClient: &http.Client{Timeout: 5 * time.Second},
	}, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	now := clock.Now()
	kid := testKey.KeyID()
	idp := func(f func(jwt.MapClaims)) jwt.MapClaims {
		c := baseClaims(now)
		c["sub"] = "idp-user"
		if f != nil {
			f(c)
		}
		return c
	}
	own := func(f func(jwt.MapClaims)) jwt.MapClaims {
		c := ownClaims(now)
		c["sub"] = "own-user"
		if f != nil {
			f(c)
		}
		return c
	}
	issuer := func(iss string) func(jwt.MapClaims) { return func(c jwt.MapClaims) { c["iss"] = iss } }

	// Computor's own tokens need no JWKS.
	c, err := v.Verify(t.Context(), signOwn(t, own(nil)))
	if err != nil {
		t.Fatalf("own token: %v", err)
	}
	if c.Subject != "own-user" {
		t.Errorf("Subject = %q, want own-user", c.Subject)
	}
	if got := srv.hits.Load(); got != 0 {
		t.Fatalf("an own-key token fetched the JWKS %d times", got)
	}

	pubDER, err := x509.MarshalPKIXPublicKey(testKey.Public())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		token   string
		subject string // of an accepted token
		reason  string // "" means accepted
	}{
		{"own", signOwn(t, own(nil)), "own-user", ""},
		{"identity provider ES256", sign(t, jwt.SigningMethodES256, idpEC, idp(nil), kidHeader("idp-ec")), "idp-user", ""},
		{"identity provider RS256", sign(t, jwt.SigningMethodRS256, idpRSA, idp(nil), kidHeader("idp-rsa")), "idp-user", ""},

		{"identity provider token claiming Computor's issuer", sign(t, jwt.SigningMethodES256, idpEC, idp(issuer(Issuer)), kidHeader("idp-ec")), "", reasonIssuer},
		{"identity provider RS256 token claiming Computor's issuer", sign(t, jwt.SigningMethodRS256, idpRSA, idp(issuer(Issuer)), kidHeader("idp-rsa")), "", reasonIssuer},
		{"own token claiming the identity provider's issuer", signOwn(t, own(issuer(testIssuer))), "", reasonIssuer},
		{"identity provider key with Computor's kid", sign(t, jwt.SigningMethodES256, idpEC, own(nil), kidHeader(kid)), "", reasonSignature},
		{"own key with the identity provider's kid", sign(t, jwt.SigningMethodES256, testKey.priv, idp(nil), kidHeader("idp-ec")), "", reasonSignature},
		{"RS256 with Computor's kid", sign(t, jwt.SigningMethodRS256, idpRSA, own(nil), kidHeader(kid)), "", reasonKeyMismatch},
		{"HS256 keyed with the public key", sign(t, jwt.SigningMethodHS256, pubDER, own(nil), kidHeader(kid)), "", reasonAlgorithm},
		{"own token without kid", sign(t, jwt.SigningMethodES256, testKey.priv, own(nil), nil), "", reasonUnknownKey},
		{"unknown kid", sign(t, jwt.SigningMethodES256, idpEC, idp(nil), kidHeader("nope")), "", reasonUnknownKey},
		{"identity provider token over the maximum lifetime", sign(t, jwt.SigningMethodES256, idpEC, idp(func(c jwt.MapClaims) {
			c["exp"] = now.Add(DefaultMaxLifetime + time.Hour).Unix()
		}), kidHeader("idp-ec")), "", reasonLifetime},
		{"own token, wrong audience", signOwn(t, own(func(c jwt.MapClaims) { c["aud"] = "other" })), "", reasonAudience},
		{"identity provider token, wrong audience", sign(t, jwt.SigningMethodES256, idpEC, idp(func(c jwt.MapClaims) { c["aud"] = "other" }), kidHeader("idp-ec")), "", reasonAudience},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := v.Verify(t.Context(), tt.token)
			if tt.reason != "" {
				wantReason(t, err, tt.reason)
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if c.Subject != tt.subject {
				t.Errorf("Subject = %q, want %q", c.Subject, tt.subject)
			}
		})
	}
	if got := srv.hits.Load(); got != 1 {
		t.Errorf("JWKS fetched %d times, want 1", got)
	}
}

// nonCanonical returns seg with the unused low bits of its last base64url
// character set, so that lenient decoding yields the same bytes.
func nonCanonical(t *testing.T, seg string) string {
	t.Helper()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	// A final group of 2 characters encodes 1 byte (4 spare bits), one of
	// 3 characters 2 bytes (2 spare bits).
	if n := len(seg) % 4; n != 2 && n != 3 {
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
