package longrunning_test

import (
	"encoding/json"
	"fmt"

	"github.com/computor-org/computor-go/internal/tasks/examples/longrunning"
)

// Decoding submitted parameters applies the defaults to every field the
// submit leaves out, and names each field that does not fit.
func ExampleTask() {
	t := longrunning.Task()
	p, err := t.DecodeParams(json.RawMessage(`{"duration":5}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s %+v\n", t.Name(), p)

	p, _ = t.DecodeParams(json.RawMessage(`{"message":"hi"}`))
	fmt.Printf("%+v\n", p)

	_, err = t.DecodeParams(json.RawMessage(`{"duration":3601}`))
	fmt.Println(err)
	// Output:
	// example_long_running {Duration:5 Message:}
	// {Duration:10 Message:hi}
	// invalid: duration: must be at most 3600
}
