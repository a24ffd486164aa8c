// Package engine connects Computor to Temporal: it dials a client for a
// cluster, runs the embedded Temporal server and Web UI of `computor dev`,
// and makes sure a namespace has this project's search attributes.
package engine
