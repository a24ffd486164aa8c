// Package embedded runs Temporal inside this process for `computor dev`:
// the official server on SQLite ([StartServer]), with the group commit of
// package walsync, and the Temporal Web UI ([StartUI]). It links the whole
// Temporal server, so only the packages that start a dev stack import it.
package embedded
