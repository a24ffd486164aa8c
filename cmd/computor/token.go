package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/computor-org/computor-go/internal/auth"
)

func runToken(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	sub := fs.String("sub", "", "the token's subject: the username (required)")
	role := fs.String("role", "", "comma-separated roles, e.g. admin or lecturer,tutor")
	ttl := fs.Duration("ttl", time.Hour, "how long the token is valid")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *sub == "" {
		return errors.New("token: --sub is required")
	}
	if err := positive("ttl", *ttl); err != nil {
		return err
	}
	secret, err := c.jwtSecret(false)
	if err != nil {
		return err
	}
	var roles []string
	for r := range strings.SplitSeq(*role, ",") {
		if r = strings.TrimSpace(r); r != "" {
			roles = append(roles, r)
		}
	}
	token, err := auth.Mint(secret, *sub, roles, *ttl, c.jwtIssuer, c.jwtAudience)
	if err != nil {
		return fmt.Errorf("mint token: %w", err)
	}
	fmt.Fprintln(stdout, token)
	return nil
}
