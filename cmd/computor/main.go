// Command computor runs Computor's durable task service on Temporal.
//
//	computor dev      everything in one process: Temporal on SQLite, Web UI, API, worker
//	computor api      the HTTP API against a Temporal cluster
//	computor worker   a worker against a Temporal cluster
//	computor token    mint a JWT for the API
//	computor namespace create   create the namespace on a Temporal cluster
//	computor bench    measure tasks per second through the API and the SDK
//
// Run `computor <command> -h` for each command's flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `computor runs Computor's durable task service on Temporal.

Usage:
  computor dev      everything in one process: Temporal on SQLite, Web UI, API, worker
  computor api      the HTTP API against a Temporal cluster (TEMPORAL_ADDRESS)
  computor worker   a worker against a Temporal cluster (TEMPORAL_ADDRESS)
  computor token    mint a JWT for the API
  computor namespace create [name]
                    create the namespace and its search attributes on a cluster

Run 'computor <command> -h' for the flags of a command.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "computor:", err)
		os.Exit(1)
	}
}

// run dispatches a subcommand; ctx ends on SIGINT or SIGTERM.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "dev":
		return runDev(ctx, rest, stdout, stderr)
	case "api":
		return runAPI(ctx, rest, stdout, stderr)
	case "worker":
		return runWorker(ctx, rest, stdout, stderr)
	case "token":
		return runToken(rest, stdout, stderr)
	case "namespace":
		return runNamespace(ctx, rest, stdout, stderr)
	case "bench":
		return runBench(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}
