// Package git is Computor's repository service: it makes and changes the
// git repositories that hold course contents, templates and student work.
//
// Tasks see only the [Service] interface, so a GitLab implementation can
// stand beside [Local] later. [Local] keeps bare repositories on a local
// directory, laid out like GitLab groups:
//
//	<root>/tugraz/progphys/2026/assignments.git
//	<root>/tugraz/progphys/2026/students/alice.git
//
// and serves them over git's smart HTTP protocol through [Local.Handler].
// Package gittest holds the test suite every implementation must pass.
//
// # Paths
//
// Group and repository paths are slash-separated segments of
// [A-Za-z0-9._-]; no segment is empty, starts with "." or ends in ".git",
// and the whole path is at most 255 bytes. File paths inside a repository
// are relative, with no empty, ".", ".." or ".git" segment. Anything else
// is rejected with [derrors.Invalid].
//
// # Crashes and concurrency
//
// Every method is idempotent: called again after a crash at any point it
// either finishes the work or finds it done. Repositories are built in a
// temporary directory beside their final place and renamed into it, so a
// crash leaves either nothing or a complete repository. Writers of one
// repository are serialized by a per-repository lock, and branch main only
// moves by compare-and-swap, so a push over HTTP racing a [Local.Commit]
// makes the commit fail with [derrors.Conflict] rather than lose either change.
// A Commit retried after it succeeded finds its own commit on main and
// returns it.
//
// # Requirements
//
// [Local] runs the system git binary (version 2.32 or later, found on PATH)
// with a clean environment: neither the system nor the user's git
// configuration applies.
package git
