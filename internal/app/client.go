package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/computor-org/computor-go/internal/client"
)

// APIClient returns the client the client commands (submit, status,
// result, cancel, list, types) call the API with: at c.APIURL, showing
// c.Token, or else the admin token `computor dev` wrote to the data dir,
// or else none.
func APIClient(c Config) (*client.Client, error) {
	c = c.WithDefaults()
	cfg := client.Config{URL: c.APIURL, Token: c.Token, TokenSource: "--token or " + EnvToken}
	if cfg.Token == "" {
		path := filepath.Join(c.DataDir, TokenFile)
		b, err := os.ReadFile(path)
		switch {
		case err == nil:
			cfg.Token, cfg.TokenSource = strings.TrimSpace(string(b)), path
		case errors.Is(err, os.ErrNotExist):
			// No token: the API answers 401, and the client says where one comes from.
		default:
			return nil, fmt.Errorf("read the dev token: %w", err)
		}
	}
	return client.New(cfg)
}
