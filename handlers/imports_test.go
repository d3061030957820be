package handlers_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Handlers see AWS failures only as the inventory classifies them: no
// handler reads the SDK's error types, retry or transport packages itself.
func TestHandlersLeaveAWSErrorsToTheInventory(t *testing.T) {
	forbidden := []string{
		"github.com/aws/smithy-go",
		"github.com/aws/aws-sdk-go-v2/aws/retry",
		"github.com/aws/aws-sdk-go-v2/aws/ratelimit",
		"github.com/aws/aws-sdk-go-v2/aws/transport",
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			for _, p := range forbidden {
				if path == p || strings.HasPrefix(path, p+"/") {
					t.Errorf("%s imports %s: classify AWS errors with inventory.Classify", name, path)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no handler source files found")
	}
}
