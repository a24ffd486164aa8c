package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/golang-jwt/jwt/v5"
)

// FuzzVerify checks that Verify never panics, that every rejection wraps
// derrors.Unauthenticated, and that it accepts only tokens carrying a genuine
// ES256 signature by the verifier's own key under that key's kid, checked
// here with crypto/ecdsa independently of the jwt library.
func FuzzVerify(f *testing.F) {
	now := time.Now()
	valid, err := testKey.Mint(Token{Subject: "alice", Roles: []string{RoleAdmin}, TTL: 24 * time.Hour, Namespace: "computor"})
	if err != nil {
		f.Fatal(err)
	}
	kid := testKey.KeyID()
	parts := strings.Split(valid, ".")
	claims := jwt.MapClaims{"sub": "alice", "iss": Issuer, "exp": now.Add(time.Hour).Unix(), "roles": "admin"}
	pubPoint, err := testKey.Public().Bytes()
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		valid,
		signOwn(f, claims),
		signOwn(f, jwt.MapClaims{"sub": "alice", "iss": testIssuer, "exp": now.Add(time.Hour).Unix()}),
		signOwn(f, jwt.MapClaims{"sub": "alice", "iss": Issuer, "iat": now.Unix(), "exp": now.Add(DefaultMaxLifetime + time.Hour).Unix()}),
		signRawOwn(f, fmt.Sprintf(`{"sub":"alice","iss":"computor","exp":"%d"}`, now.Add(time.Hour).Unix())),
		signRawOwn(f, fmt.Sprintf(`{"sub":"alice","iss":"computor","EXP":"%d"}`, now.Add(time.Hour).Unix())),
		signRawOwn(f, fmt.Sprintf(`{"sub":"alice","iss":"computor","exp":%d.5}`, now.Add(time.Hour).Unix())),
		sign(f, jwt.SigningMethodES256, genEC(f), claims, kidHeader(kid)),
		sign(f, jwt.SigningMethodES256, testKey.priv, claims, nil),
		sign(f, jwt.SigningMethodHS256, pubPoint, claims, kidHeader(kid)),
		b64(`{"alg":"none"}`) + "." + parts[1] + ".",
		b64(`{"alg":"RS256","kid":"`+kid+`"}`) + "." + parts[1] + "." + parts[2],
		parts[0] + "." + parts[1] + ".",
		parts[0] + ".." + parts[2],
		"",
		"a.b.c",
		"...",
		"eyJ.eyJ.",
	} {
		f.Add(seed)
	}

	v, err := NewVerifier(Config{Key: testKey.Public()})
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
		if !signedByKey(token, testKey.Public(), kid) {
			t.Fatalf("accepted a token not signed with the key: %q", token)
		}
	})
}

// signedByKey reports whether token is an ES256 JWT naming kid whose
// signature verifies under pub.
func signedByKey(token string, pub *ecdsa.PublicKey, kid string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	enc := base64.RawURLEncoding.Strict()
	header, err := enc.DecodeString(parts[0])
	if err != nil {
		return false
	}
	var h map[string]any
	if json.Unmarshal(header, &h) != nil || h["alg"] != "ES256" || h["kid"] != kid {
		return false
	}
	sig, err := enc.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return false
	}
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	return ecdsa.Verify(pub, digest[:], r, s)
}
