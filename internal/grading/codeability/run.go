package codeability

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "embed"

	"github.com/computor-org/computor-go/internal/grading"
	"github.com/computor-org/computor-go/internal/sandbox"
)

// harnessSource is the harness, shown read-only in each run.
//
//go:embed harness.py
var harnessSource []byte

// Where the harness appears in a run's /work, and what runs it. A
// submitted file at that path is left out.
const (
	harnessDir    = ".computor-harness"
	harnessTarget = harnessDir + "/harness.py"
	harnessCmd    = "exec /usr/bin/python3 -I " + harnessTarget + " parent"
)

// Limits of a harness run.
const (
	// harnessSlack is added to the collections' timeouts for the whole
	// run: starting Python, the static checks, writing the result.
	harnessSlack = 15 * time.Second
	// harnessOutputBytes bounds what a run may print: the framed result.
	harnessOutputBytes = 16 << 20
)

// jobCollection is what the harness gets of one collection. It never
// holds an expected value or pattern: those stay with the grader.
type jobCollection struct {
	Run          bool              `json:"run,omitempty"`
	EntryPoint   string            `json:"entryPoint,omitempty"`
	SetUpCode    []string          `json:"setUpCode,omitempty"`
	TearDownCode []string          `json:"tearDownCode,omitempty"`
	InputAnswers []string          `json:"inputAnswers,omitempty"`
	Timeout      float64           `json:"timeout,omitempty"`
	Exprs        map[string]string `json:"exprs,omitempty"`
	Exist        string            `json:"exist,omitempty"`
	File         string            `json:"file,omitempty"`
	CountNames   []string          `json:"count_names,omitempty"`
}

type job struct {
	Collections []jobCollection `json:"collections"`
}

// harnessOutput is what the harness reports, decoded.
type harnessOutput struct {
	Collections []collectionOutput `json:"collections"`
}

type collectionOutput struct {
	Exist      *int           `json:"exist"`
	Counts     map[string]int `json:"counts"`
	CountError string         `json:"count_error"`
	Status     string         `json:"status"`
	Error      string         `json:"error"`
	Stdout     string         `json:"stdout"`
	Duration   float64        `json:"duration"`
	Report     *childReport   `json:"report"`
}

// childReport is what the program's own process reported: untrusted,
// since the submitted code runs in it. It can only claim values, which
// the grader judges.
type childReport struct {
	Error *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
		Line    *int   `json:"line"`
	} `json:"error"`
	Warnings []string                   `json:"warnings"`
	Values   map[string]json.RawMessage `json:"values"`
	Errors   map[string]string          `json:"errors"`
}

// exprKey names the j-th test's expression in a job.
func exprKey(j int) string { return fmt.Sprintf("t%d", j) }

// runs reports whether a collection's program is run.
func runs(t CollectionType) bool {
	return t == TypeVariable || t == TypeStdout || t == TypeError || t == TypeWarning
}

// studentJob is the job of the student's run: the names of the variable
// tests, exist and structural checks.
func studentJob(s *Suite) job {
	var j job
	for _, c := range s.Collections {
		jc := jobCollection{}
		switch {
		case runs(c.Type):
			jc = runJob(&c)
			if c.Type == TypeVariable {
				jc.Exprs = map[string]string{}
				for k, t := range c.Tests {
					jc.Exprs[exprKey(k)] = t.Name
				}
			}
		case c.Type == TypeExist:
			jc.Exist = c.File
		case c.Type == TypeStructural:
			jc.File = c.File
			for _, t := range c.Tests {
				jc.CountNames = append(jc.CountNames, t.Name)
			}
		}
		j.Collections = append(j.Collections, jc)
	}
	return j
}

// referenceJob is the job of the reference run: only what a test
// compares with the reference (a verifyEqual test without a value), with
// a test's evalString in place of its name. needed is false when no test
// needs the reference at all.
func referenceJob(s *Suite) (j job, needed bool) {
	for _, c := range s.Collections {
		jc := jobCollection{}
		if c.Type == TypeVariable || c.Type == TypeStdout {
			for k, t := range c.Tests {
				if t.Value != nil || t.Qualification != VerifyEqual {
					continue
				}
				if !jc.Run {
					jc = runJob(&c)
				}
				needed = true
				if c.Type == TypeVariable {
					if jc.Exprs == nil {
						jc.Exprs = map[string]string{}
					}
					expr := t.Name
					if t.EvalString != "" {
						expr = t.EvalString
					}
					jc.Exprs[exprKey(k)] = expr
				}
			}
		}
		j.Collections = append(j.Collections, jc)
	}
	return j, needed
}

func runJob(c *Collection) jobCollection {
	return jobCollection{
		Run: true, EntryPoint: c.EntryPoint, SetUpCode: c.SetUpCode, TearDownCode: c.TearDownCode,
		InputAnswers: c.InputAnswers, Timeout: c.Timeout.Seconds(),
	}
}

// wallTime bounds a whole harness run: every collection's timeout plus
// slack, at most grading.TimeLimitMax.
func (j job) wallTime() time.Duration {
	d := harnessSlack
	for _, c := range j.Collections {
		if c.Run {
			d += time.Duration(c.Timeout * float64(time.Second))
		}
	}
	return min(d, grading.TimeLimitMax)
}

// runFailure is a harness run that gave no usable result for a reason
// of the code it ran (a limit hit, the harness killed or its output
// spoiled); Msg says why, for the student.
type runFailure struct{ Msg string }

func (e *runFailure) Error() string { return e.Msg }

// runHarness runs the harness once in a fresh sandbox holding files, the
// test files (read-only) and the harness (read-only), and decodes its
// result. The error is a *runFailure for what the code did, anything
// else for the sandbox or ctx.
func runHarness(ctx context.Context, r sandbox.Runner, j job, files, testFiles []grading.File) (*harnessOutput, error) {
	stage, err := r.NewWorkDir(1 << 20)
	if err != nil {
		return nil, fmt.Errorf("codeability: stage harness: sandbox: %w", err)
	}
	defer stage.Close()
	all := append([]grading.File{{Path: harnessTarget, Data: harnessSource}}, testFiles...)
	if err := writeFiles(stage.Path, all, nil); err != nil {
		return nil, fmt.Errorf("codeability: stage harness: %w", err)
	}
	if err := stage.Freeze(); err != nil {
		return nil, fmt.Errorf("codeability: stage harness: %w", err)
	}
	binds := make([]sandbox.Bind, 0, len(all))
	for _, f := range all {
		binds = append(binds, sandbox.Bind{Source: filepath.Join(stage.Path, filepath.FromSlash(f.Path)), Target: f.Path})
	}
	reserved := func(rel string) bool {
		for _, b := range binds {
			if rel == b.Target || strings.HasPrefix(b.Target, rel+"/") || strings.HasPrefix(rel, b.Target+"/") {
				return true
			}
		}
		return false
	}

	w, err := r.NewWorkDir(grading.DiskLimitDefault)
	if err != nil {
		return nil, fmt.Errorf("codeability: work dir: sandbox: %w", err)
	}
	defer w.Close()
	if err := writeFiles(w.Path, files, reserved); err != nil {
		return nil, &runFailure{Msg: fmt.Sprintf("the submitted files could not be written: %v", err)}
	}

	var nonce [16]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, fmt.Errorf("codeability: nonce: %w", err)
	}
	tag := hex.EncodeToString(nonce[:])
	body, err := json.Marshal(j)
	if err != nil {
		return nil, fmt.Errorf("codeability: job: %w", err)
	}
	stdin := append([]byte(tag+"\n"), body...)
	lim := sandbox.Limits{WallTime: j.wallTime(), MemoryBytes: grading.MemoryLimitDefault, OutputBytes: harnessOutputBytes}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err := r.Run(ctx, sandbox.Spec{Command: harnessCmd, Dir: w.Path, ReadOnly: binds, Stdin: stdin, Limits: lim})
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, ctxErr
	}
	if err != nil {
		return nil, fmt.Errorf("codeability: sandbox: %w", err)
	}
	out, ferr := unframe(res.Stdout, tag)
	switch {
	case res.Limit != "":
		return nil, &runFailure{Msg: "the tests were stopped: " + nonEmpty(res.Reason, res.Limit)}
	case res.ExitCode == 127:
		return nil, fmt.Errorf("codeability: python3 is not installed on this worker: %s", res.Reason)
	case ferr != nil && res.ExitCode != 0:
		return nil, &runFailure{Msg: "the tests were stopped: " + nonEmpty(res.Reason, fmt.Sprintf("exit code %d", res.ExitCode))}
	case ferr != nil:
		return nil, &runFailure{Msg: "the tests gave no result: " + ferr.Error()}
	}
	var ho harnessOutput
	if err := json.Unmarshal(out, &ho); err != nil {
		return nil, &runFailure{Msg: "the tests gave no result: malformed output"}
	}
	if len(ho.Collections) != len(j.Collections) {
		return nil, &runFailure{Msg: "the tests gave no result: wrong number of collections"}
	}
	return &ho, nil
}

// unframe takes the result out of the harness's stdout, which must be
// exactly one frame tagged with the run's nonce and nothing else: the
// harness writes nothing else there, and code that reached the stream
// anyway can neither know the nonce nor leave it untouched.
func unframe(stdout []byte, tag string) ([]byte, error) {
	begin := []byte("CODEABILITY-BEGIN " + tag + "\n")
	end := []byte("\nCODEABILITY-END " + tag + "\n")
	if !bytes.HasPrefix(stdout, begin) || !bytes.HasSuffix(stdout, end) || len(stdout) < len(begin)+len(end) {
		return nil, errors.New("its output was missing or tampered with")
	}
	body := stdout[len(begin) : len(stdout)-len(end)]
	if bytes.Contains(body, []byte("CODEABILITY-")) && bytes.Contains(body, []byte(tag)) {
		return nil, errors.New("its output was tampered with")
	}
	return body, nil
}

func nonEmpty(s, alt string) string {
	if s != "" {
		return s
	}
	return alt
}

// writeFiles writes files into dir, leaving out what skip selects.
func writeFiles(dir string, files []grading.File, skip func(string) bool) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	seen := map[string]bool{}
	for _, f := range files {
		if !localPath(f.Path) || filepath.ToSlash(filepath.Clean(f.Path)) != f.Path || seen[f.Path] || (skip != nil && skip(f.Path)) {
			continue
		}
		seen[f.Path] = true
		if d := filepath.Dir(filepath.FromSlash(f.Path)); d != "." {
			if err := root.MkdirAll(d, 0o755); err != nil {
				return fmt.Errorf("write %s: %w", f.Path, err)
			}
		}
		mode := os.FileMode(0o644)
		if f.Executable {
			mode = 0o755
		}
		out, err := root.OpenFile(filepath.FromSlash(f.Path), os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
		if err != nil {
			return fmt.Errorf("write %s: %w", f.Path, err)
		}
		_, err = out.Write(f.Data)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", f.Path, err)
		}
	}
	return nil
}
