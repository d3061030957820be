package toolcheck

import (
	"os"
	"path/filepath"
	"strconv"
)

// toGoCommand writes line to the standard error of the parent process when
// the parent is the go command. go test keeps a passing package's output
// to itself; its own standard error is where the person or CI log running
// it looks. Only a terminal or a pipe is written to: a regular file opened
// afresh has its own offset, and the line could overwrite what the go
// command writes after it.
func toGoCommand(line string) {
	parent := "/proc/" + strconv.Itoa(os.Getppid())
	exe, err := os.Readlink(parent + "/exe")
	if err != nil || filepath.Base(exe) != "go" {
		return
	}
	f, err := os.OpenFile(parent+"/fd/2", os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || st.Mode()&(os.ModeCharDevice|os.ModeNamedPipe|os.ModeSocket) == 0 {
		return
	}
	_, _ = f.WriteString(line)
}
