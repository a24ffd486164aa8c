// Package course holds the rules of a programming course, in one place:
// the roles of its members and who may do what, the layout of its git
// repositories, an assignment's meta.yaml, and how a test run's target (a
// member, an assignment, a commit) is found. The API and the task types
// both follow these rules; neither keeps a copy of its own.
package course
