package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Bounds on the RSA keys accepted from a JWKS.
const (
	minRSABits = 2048
	maxRSABits = 8192
)

// publicKey is one usable verification key from a JWKS.
type publicKey struct {
	// alg is the key's "alg" member; empty if the JWK does not restrict it.
	alg string
	// key is an *rsa.PublicKey or an *ecdsa.PublicKey on P-256.
	key crypto.PublicKey
}

// keySet maps "kid" to key. Keys without a "kid" are stored under "".
type keySet map[string]publicKey

// find returns the key for kid. A token without a kid matches the only key
// of a single-key set.
func (ks keySet) find(kid string) (publicKey, bool) {
	if kid == "" && len(ks) == 1 {
		for _, k := range ks {
			return k, true
		}
	}
	k, ok := ks[kid]
	return k, ok
}

// jwkSet is the JSON form of a JSON Web Key Set (RFC 7517, section 5).
type jwkSet struct {
	Keys []json.RawMessage `json:"keys"`
}

// jwk holds the JSON Web Key members this package understands.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	// RSA
	N string `json:"n"`
	E string `json:"e"`
	// EC
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// parseJWKS decodes a JWKS document. Keys this package cannot use (other
// key types or curves, encryption keys, malformed or weak keys) are skipped,
// as are later keys repeating a "kid". It is an error if no usable key
// remains.
func parseJWKS(data []byte) (keySet, error) {
	var set jwkSet
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("decode JWKS: %w", err)
	}
	ks := make(keySet)
	var skipped []error
	for i, raw := range set.Keys {
		var k jwk
		if err := json.Unmarshal(raw, &k); err != nil {
			skipped = append(skipped, fmt.Errorf("key %d: %w", i, err))
			continue
		}
		pk, err := k.publicKey()
		if err != nil {
			skipped = append(skipped, fmt.Errorf("key %d (kid %q): %w", i, k.Kid, err))
			continue
		}
		if _, dup := ks[k.Kid]; dup {
			continue
		}
		ks[k.Kid] = pk
	}
	if len(ks) == 0 {
		return nil, fmt.Errorf("JWKS has no usable keys (%d listed): %w", len(set.Keys), errors.Join(skipped...))
	}
	return ks, nil
}

// publicKey converts k into a verification key.
func (k *jwk) publicKey() (publicKey, error) {
	if k.Use != "" && k.Use != "sig" {
		return publicKey{}, fmt.Errorf("use %q is not \"sig\"", k.Use)
	}
	switch k.Kty {
	case "RSA":
		if k.Alg != "" && k.Alg != "RS256" {
			return publicKey{}, fmt.Errorf("unsupported alg %q for RSA key", k.Alg)
		}
		key, err := parseRSAKey(k.N, k.E)
		if err != nil {
			return publicKey{}, fmt.Errorf("RSA key: %w", err)
		}
		return publicKey{alg: k.Alg, key: key}, nil
	case "EC":
		if k.Alg != "" && k.Alg != "ES256" {
			return publicKey{}, fmt.Errorf("unsupported alg %q for EC key", k.Alg)
		}
		key, err := parseECKey(k.Crv, k.X, k.Y)
		if err != nil {
			return publicKey{}, fmt.Errorf("EC key: %w", err)
		}
		return publicKey{alg: k.Alg, key: key}, nil
	default:
		return publicKey{}, fmt.Errorf("unsupported kty %q", k.Kty)
	}
}

// parseRSAKey builds an RSA public key from the base64url-encoded modulus
// and exponent.
func parseRSAKey(n64, e64 string) (*rsa.PublicKey, error) {
	nb, err := decodeB64URL(n64)
	if err != nil {
		return nil, fmt.Errorf("modulus: %w", err)
	}
	eb, err := decodeB64URL(e64)
	if err != nil {
		return nil, fmt.Errorf("exponent: %w", err)
	}
	n := new(big.Int).SetBytes(nb)
	if bits := n.BitLen(); bits < minRSABits || bits > maxRSABits {
		return nil, fmt.Errorf("modulus has %d bits, want %d to %d", bits, minRSABits, maxRSABits)
	}
	e := new(big.Int).SetBytes(eb)
	// Go's crypto/rsa needs an odd exponent >= 3 that fits in 31 bits.
	if e.BitLen() > 31 || e.Int64() < 3 || e.Bit(0) == 0 {
		return nil, errors.New("exponent out of range")
	}
	return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
}

// parseECKey builds a P-256 public key from the base64url-encoded
// coordinates, checking that the point is on the curve.
func parseECKey(crv, x64, y64 string) (*ecdsa.PublicKey, error) {
	if crv != "P-256" {
		return nil, fmt.Errorf("unsupported curve %q", crv)
	}
	x, err := decodeB64URL(x64)
	if err != nil {
		return nil, fmt.Errorf("x: %w", err)
	}
	y, err := decodeB64URL(y64)
	if err != nil {
		return nil, fmt.Errorf("y: %w", err)
	}
	const size = 32 // bytes per P-256 coordinate
	if len(x) != size || len(y) != size {
		return nil, fmt.Errorf("coordinates must be %d bytes, got %d and %d", size, len(x), len(y))
	}
	point := make([]byte, 0, 1+2*size)
	point = append(point, 4) // uncompressed point marker
	point = append(point, x...)
	point = append(point, y...)
	key, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return nil, fmt.Errorf("point: %w", err)
	}
	return key, nil
}

// decodeB64URL decodes unpadded base64url, tolerating trailing padding.
func decodeB64URL(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("empty")
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, fmt.Errorf("base64url: %w", err)
	}
	return b, nil
}
