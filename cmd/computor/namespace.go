package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/computor-org/computor-go/internal/engine"
)

// runNamespace creates the namespace Computor runs in on an external
// cluster, with its search attributes, for operators without Temporal's CLI.
func runNamespace(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "usage: computor namespace create [flags] [name]")
		return errors.New("namespace: the only subcommand is create")
	}
	fs := flag.NewFlagSet("namespace create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	retention := fs.Duration("retention", engine.DefaultRetention, "how long finished tasks stay visible")
	wait := fs.Duration("timeout", time.Minute, "how long to wait for the cluster")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch fs.NArg() {
	case 0:
	case 1:
		c.namespace = fs.Arg(0)
	default:
		return fmt.Errorf("namespace create: one name at most, got %q", fs.Args())
	}
	if *retention < 24*time.Hour {
		return fmt.Errorf("retention: Temporal needs at least 24h, got %s", *retention)
	}
	if err := positive("timeout", *wait); err != nil {
		return err
	}
	logger, err := c.logger(stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *wait)
	defer cancel()
	tc, err := engine.Dial(ctx, c.temporalClient("", logger))
	if err != nil {
		return err
	}
	defer tc.Close()
	if err := engine.CreateNamespace(ctx, tc, c.namespace, *retention); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "namespace %q is ready at %s\n", c.namespace, c.temporalAddr)
	return nil
}
