package config

import (
	"fmt"
	"strings"
)

// MarkdownTable renders Settings as the README's settings table.
func MarkdownTable() string {
	var b strings.Builder
	b.WriteString("| Flag | Environment | Default | Meaning |\n|---|---|---|---|\n")
	for _, s := range Settings() {
		def := s.Default
		if def == "" {
			def = "–"
		} else {
			def = "`" + def + "`"
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", s.Flag, s.Env, def, strings.ReplaceAll(s.Usage, "|", "\\|"))
	}
	return b.String()
}
