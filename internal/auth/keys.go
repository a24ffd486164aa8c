package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// Issuer is the "iss" of the tokens Computor signs itself.
const Issuer = "computor"

// DefaultMaxLifetime is the longest a token may live, from issue to expiry,
// unless Config.MaxLifetime says otherwise.
const DefaultMaxLifetime = 30 * 24 * time.Hour

// SigningKey is the ES256 key Computor signs its own tokens with: the dev
// stack's, and in production the deployment's (COMPUTOR_JWT_KEY_FILE).
// Its public half is published as a JSON Web Key Set, so that anything
// that verifies tokens, the Temporal server among them, needs no secret.
type SigningKey struct {
	priv *ecdsa.PrivateKey
	kid  string
}

// NewSigningKey makes a fresh P-256 key.
func NewSigningKey() (*SigningKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("auth: new signing key: %w", err)
	}
	return newSigningKey(priv)
}

// ParseSigningKey reads a PEM private key: PKCS#8 ("PRIVATE KEY", as
// PEM writes it) or SEC 1 ("EC PRIVATE KEY", as openssl ecparam writes
// it), on the P-256 curve.
func ParseSigningKey(data []byte) (*SigningKey, error) {
	block, rest := pem.Decode(data)
	// openssl ecparam -genkey writes the curve's parameters first.
	for block != nil && block.Type == "EC PARAMETERS" {
		block, rest = pem.Decode(rest)
	}
	if block == nil {
		return nil, errors.New("auth: signing key: no PEM block")
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("auth: signing key: PEM block %q, want PRIVATE KEY or EC PRIVATE KEY", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("auth: signing key: %w", err)
	}
	priv, ok := key.(*ecdsa.PrivateKey)
	if !ok || priv.Curve != elliptic.P256() {
		return nil, errors.New("auth: signing key: want an EC key on P-256 (ES256)")
	}
	return newSigningKey(priv)
}

func newSigningKey(priv *ecdsa.PrivateKey) (*SigningKey, error) {
	kid, err := keyID(&priv.PublicKey)
	if err != nil {
		return nil, err
	}
	return &SigningKey{priv: priv, kid: kid}, nil
}

// keyID is the RFC 7638 thumbprint of a public key: a key id that names
// the key itself, so that no two keys share one.
func keyID(pub *ecdsa.PublicKey) (string, error) {
	tp, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("auth: key thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// PEM returns the private key in PKCS#8 PEM form, for a 0600 file.
func (k *SigningKey) PEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k.priv)
	if err != nil {
		return nil, fmt.Errorf("auth: encode signing key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// KeyID is the "kid" of the tokens the key signs.
func (k *SigningKey) KeyID() string { return k.kid }

// Public is the public half, which verifies the key's tokens.
func (k *SigningKey) Public() *ecdsa.PublicKey { return &k.priv.PublicKey }

// JWKS is the public key as a JSON Web Key Set: what GET
// /.well-known/jwks.json serves and what a Temporal server configured with
// keySourceURIs reads.
func (k *SigningKey) JWKS() ([]byte, error) {
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: k.Public(), KeyID: k.kid, Algorithm: jwt.SigningMethodES256.Alg(), Use: "sig",
	}}}
	return json.Marshal(set)
}

// Roles of services rather than people. Their tokens reach the Temporal
// frontend and nothing else: the API refuses them.
const (
	// RoleAPIService is the API's identity at the Temporal frontend.
	RoleAPIService = "api-service"
	// RoleWorkerService is a worker's identity at the Temporal frontend.
	RoleWorkerService = "worker-service"
)

// Token is what a minted token says.
type Token struct {
	// Subject is "sub": the username, or the service's name.
	Subject string
	// Roles is the "roles" claim; empty leaves it out.
	Roles []string
	// TTL is how long the token is valid; at most the verifier's
	// MaxLifetime.
	TTL time.Duration
	// Audience, when set, is the "aud" claim.
	Audience string
	// Namespace, when set, adds the "permissions" claim that a stock
	// Temporal server's JWT claim mapper reads: "temporal-system:admin"
	// for admin, "<namespace>:write" for the services, nothing for anyone
	// else.
	Namespace string
}

// Mint signs a token with the key: ES256, "kid" the key's id, iss
// [Issuer], iat and nbf now, exp now+TTL (one-second precision), a random
// jti.
func (k *SigningKey) Mint(t Token) (string, error) {
	switch {
	case strings.TrimSpace(t.Subject) == "":
		return "", errors.New("auth: mint: subject must not be blank")
	case t.TTL <= 0:
		return "", fmt.Errorf("auth: mint: ttl must be positive, got %v", t.TTL)
	}
	now := time.Now()
	claims := tokenClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    Issuer,
			Subject:   t.Subject,
			ExpiresAt: jwt.NewNumericDate(now.Add(t.TTL)),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        rand.Text(),
		},
		Roles:       t.Roles,
		Permissions: temporalPermissions(t.Roles, t.Namespace),
	}
	if t.Audience != "" {
		claims.Audience = jwt.ClaimStrings{t.Audience}
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	tok.Header["kid"] = k.kid
	s, err := tok.SignedString(k.priv)
	if err != nil {
		return "", fmt.Errorf("auth: mint: sign token: %w", err)
	}
	return s, nil
}

// temporalPermissions maps roles to the permissions of Temporal's default
// authorizer. Temporal knows no owner of a workflow: whoever may read one
// namespace reads every student's tasks, so only admins and the services
// get any.
func temporalPermissions(roles []string, namespace string) []string {
	if namespace == "" {
		return nil
	}
	var out []string
	for _, r := range roles {
		switch r {
		case RoleAdmin:
			out = append(out, "temporal-system:admin")
		case RoleAPIService, RoleWorkerService:
			out = append(out, namespace+":write")
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
