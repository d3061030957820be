package config

import (
	"flag"
	"io"
	"strings"
)

// Subset is the part of the settings that one subcommand reads: `rolegate
// user` reads only -db, `rolegate audit verify` the database and the anchor
// files. The subcommand defines them on the flag sets it parses (so that
// they may stand before or after its verb), its help lists only them, and
// Load fills the derived defaults and validates.
type Subset struct {
	names  []string
	c      Config
	raw    *rawValues
	all    *flag.FlagSet
	envErr error
}

// NewSubset returns the named settings (flag names without the dash) with
// their ROLEGATE_* environment fallbacks applied; a flag parsed later wins.
// The environment of settings outside the subset is not read. It panics on
// a name that is not a setting: that is a mistake in the program, not in
// its use.
func NewSubset(getenv func(string) string, names ...string) *Subset {
	s := &Subset{names: names}
	s.all, s.raw = newFlagSet(&s.c)
	for _, n := range names {
		if s.all.Lookup(n) == nil {
			panic("config: no setting -" + n)
		}
	}
	only := flag.NewFlagSet("", flag.ContinueOnError)
	s.Define(only)
	s.envErr = applyEnv(only, getenv)
	return s
}

// Define adds the subset's settings to fs; what fs parses lands in the
// subset.
func (s *Subset) Define(fs *flag.FlagSet) {
	for _, n := range s.names {
		f := s.all.Lookup(n)
		fs.Var(f.Value, f.Name, f.Usage)
	}
}

// PrintDefaults writes the subset's settings, their defaults and their
// environment variables in the style of flag.PrintDefaults.
func (s *Subset) PrintDefaults(w io.Writer) {
	fresh, _ := newFlagSet(&Config{})
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	for _, n := range s.names {
		f := fresh.Lookup(n)
		fs.Var(f.Value, f.Name, f.Usage+" [$"+EnvName(f.Name)+"]")
	}
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// Load returns the configuration: the subset as parsed or taken from the
// environment, every other setting at its default, derived paths filled
// in, and validated. Errors name the setting at fault.
func (s *Subset) Load() (Config, error) {
	if s.envErr != nil {
		return s.c, s.envErr
	}
	if err := s.c.fill(s.raw); err != nil {
		return s.c, err
	}
	return s.c, s.c.Validate()
}

// TakesValue reports whether the setting called name (without dashes)
// exists and whether it takes a value, as -db FILE does and -demo does not.
// It lets a command line find its verb behind the settings that precede it.
func TakesValue(name string) (takesValue, ok bool) {
	fs, _ := newFlagSet(&Config{})
	f := fs.Lookup(strings.TrimLeft(name, "-"))
	if f == nil {
		return false, false
	}
	b, isBool := f.Value.(interface{ IsBoolFlag() bool })
	return !(isBool && b.IsBoolFlag()), true
}
