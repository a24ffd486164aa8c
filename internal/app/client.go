package app

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/client"
)

// APIClient returns the client the client commands (submit, status,
// result, cancel, list, types) call the API with: at c.APIURL, showing
// c.Token; or else, for an API on this machine only, an admin token of
// two minutes signed with the data dir's key, or the token `computor dev`
// wrote there; or else none.
//
// The data dir's tokens never go to another host, and a short token is
// preferred: whoever listens on the API's port while dev is stopped gets
// at most two minutes of it.
func APIClient(c Config) (*client.Client, error) {
	cfg, err := apiClientConfig(c)
	if err != nil {
		return nil, err
	}
	return client.New(cfg)
}

func apiClientConfig(c Config) (client.Config, error) {
	c = c.WithDefaults()
	cfg := client.Config{URL: c.APIURL, Token: c.Token, TokenSource: "--token or " + EnvToken}
	if cfg.Token != "" || !loopbackURL(c.APIURL) {
		return cfg, nil
	}
	if key, err := c.signingKey(false); err == nil {
		tok, err := key.Mint(auth.Token{Subject: "admin", Roles: []string{auth.RoleAdmin}, TTL: clientTokenTTL, Audience: c.JWTAudience})
		if err != nil {
			return cfg, err
		}
		cfg.Token, cfg.TokenSource = tok, "a two-minute admin token signed with "+c.keyFile()
		return cfg, nil
	}
	path := filepath.Join(c.DataDir, TokenFile)
	b, err := readPrivate(path)
	switch {
	case err == nil:
		cfg.Token, cfg.TokenSource = strings.TrimSpace(string(b)), path
	case errors.Is(err, os.ErrNotExist):
		// No token: the API answers 401, and the client says where one comes from.
	default:
		return cfg, fmt.Errorf("read the dev token: %w", err)
	}
	return cfg, nil
}

// clientTokenTTL is how long the client's own admin tokens live.
const clientTokenTTL = 2 * time.Minute

// loopbackURL reports whether an API URL names this machine.
func loopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
