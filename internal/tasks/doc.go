// Package tasks holds what every task type shares: the [Type] that the API
// submits and the worker runs, the [Registry] of all types, typed parameters
// that validate themselves and describe themselves as JSON Schema, and the
// rule that routes a priority to a queue.
//
// Each task type is one package below this one (tasks/examples/...). A task
// package declares a Params struct with a stable Kind, a workflow, its
// activities, and a [Spec]; package tasks/catalog lists them all in one place.
package tasks
