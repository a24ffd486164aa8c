// Package client is the command-line client of Computor's tasks API: an
// HTTP client of its routes ([Client]) and the commands built on it
// ([CLI]: submit, status, result, cancel, list, types), with readable
// output or the API's JSON, a progress bar or plain progress lines while
// a task runs, and exit codes that say how a task ended ([ExitCodes]).
//
// Parameters given as -p key=value are typed by the task's JSON Schema
// ([BuildParams]); what does not fit is sent anyway, so that the API's
// 422 names each bad field.
package client
