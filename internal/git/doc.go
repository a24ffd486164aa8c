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
// # Forks share objects
//
// [Local.ForkRepo] makes a fork that borrows its source's objects (git's
// alternates, by a relative path, as clone --shared does) instead of
// copying them: a student repository costs a few small files and no git
// process. Two rules keep this safe:
//
//   - A source must never lose an object a fork started from. Local's
//     branches only move forward (Commit builds on the head; pushes may
//     neither delete nor rewrite a branch), so every such commit stays
//     reachable from the source's main, and git gc or prune in the
//     source keeps it. A repository that was forked must never be deleted,
//     replaced or have its main rewritten by hand.
//   - A fork can read every object of its source, also ones no branch
//     reaches (git's protocol v2 serves any object asked for by name).
//     Fork only from repositories all of whose objects the fork's readers
//     may see: the student template holds released student files only.
//
// # Requirements
//
// [Local] runs the system git binary (version 2.32 or later, found on PATH)
// with a clean environment: neither the system nor the user's git
// configuration applies.
package git
