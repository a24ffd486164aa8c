// Package engine connects Computor to Temporal: it dials a client for a
// cluster and makes sure a namespace has this project's search
// attributes. It is light on purpose: task types, the API and the worker
// import it, and none of them links the Temporal server. The embedded
// server and Web UI of `computor dev` are in package embedded below it,
// imported only where a dev stack starts.
package engine
