package change

import (
	"strings"
	"testing"
)

// The form's text is read once into ARNs: each well-formed line becomes a
// typed ARN that prints exactly as typed, and each line that is not an ARN
// is named in the add field's message and left out of the draft.
func TestParseDraftReadsTheRoleListsOnce(t *testing.T) {
	in := validIn()
	in.Add = arn("Unload") + "\r\n\n" + "arn:aws:iam::12345:role/Short" + "\n" + "arn:aws:iam::" + acct + ":role/service/path/Loader"
	in.Remove = []string{arn("Spectrum"), "not-an-arn"}
	in.Default = arn("Unload")
	d := ParseDraft(in)
	if len(d.Add) != 2 || d.Add[0] != (ARN{Partition: "aws", Account: acct, Name: "Unload"}) ||
		d.Add[1] != (ARN{Partition: "aws", Account: acct, Path: "service/path/", Name: "Loader"}) {
		t.Fatalf("add %#v", d.Add)
	}
	if got := d.Add[1].String(); got != "arn:aws:iam::"+acct+":role/service/path/Loader" {
		t.Fatalf("the ARN prints as %q", got)
	}
	if len(d.Remove) != 1 || d.Remove[0].String() != arn("Spectrum") || d.Default.String() != arn("Unload") {
		t.Fatalf("remove %v, default %v", d.Remove, d.Default)
	}
	if !strings.Contains(d.Errors[FieldAdd], "12345") || !strings.Contains(d.Errors[FieldRemove], "not-an-arn") {
		t.Fatalf("errors %v: the unreadable lines are not named on their fields", d.Errors)
	}
	if _, ok := d.Errors[FieldDefault]; ok || len(d.Errors) != 2 {
		t.Fatalf("errors on fields without a fault: %v", d.Errors)
	}
	// A clean draft has no errors and no default to set.
	clean := ParseDraft(validIn())
	if len(clean.Errors) != 0 || !clean.Default.IsZero() || clean.Default.String() != "" || clean.Reason != "nightly unload to the lake" {
		t.Fatalf("clean draft %+v", clean)
	}
}

// Every field the form has can carry its own message, and only the field
// at fault does.
func TestParseDraftNamesEachField(t *testing.T) {
	cases := []struct {
		name  string
		mod   func(*Input)
		field string
	}{
		{"add", func(in *Input) { in.Add = "Copy" }, FieldAdd},
		{"remove", func(in *Input) { in.Remove = []string{arn("Unload")} }, FieldRemove},
		{"default", func(in *Input) { in.Default = "arn:aws:iam::1:role/X" }, FieldDefault},
		{"reason", func(in *Input) { in.Reason = "short" }, FieldReason},
		{"ticket", func(in *Input) { in.Ticket = "A\tB" }, FieldTicket},
		{"form", func(in *Input) { in.Add = "" }, FieldForm},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := validIn()
			tc.mod(&in)
			errs := ParseDraft(in).Errors
			if len(errs) != 1 || errs[tc.field] == "" {
				t.Fatalf("errors %v, want one on %s", errs, tc.field)
			}
		})
	}
}
