package change

import (
	"strings"
	"testing"
)

const acct = "123456789012"

func arn(name string) string { return "arn:aws:iam::" + acct + ":role/" + name }

func liveCluster() Live {
	return Live{
		Region: "eu-west-1", Cluster: "sales", Account: acct, Status: "available", Availability: "Available",
		Roles:   []LiveRole{{ARN: arn("Copy"), Status: "in-sync"}, {ARN: arn("Spectrum"), Status: "in-sync"}},
		Default: arn("Copy"),
		Tags:    map[string]string{"environment": "staging"},
	}
}

func validIn() Input {
	return Input{Region: "eu-west-1", Cluster: "sales", Add: arn("Unload"), Reason: "nightly unload to the lake", Ticket: "OPS-42"}
}

// security.md §7: malformed ARNs each get a message on the add field.
func TestMalformedARNsAreRefusedWithFieldMessage(t *testing.T) {
	cases := map[string]string{
		"11-digit account":       "arn:aws:iam::12345678901:role/X",
		"13-digit account":       "arn:aws:iam::1234567890123:role/X",
		"user instead of role":   "arn:aws:iam::123456789012:user/X",
		"bad partition":          "arn:aws-moon:iam::123456789012:role/X",
		"trailing space":         arn("X") + " ",
		"leading space":          " " + arn("X"),
		"over 2048 bytes":        arn(strings.Repeat("a/", 1100) + "X"),
		"NUL":                    arn("X\x00Y"),
		"not an ARN":             "Copy",
		"region present":         "arn:aws:iam:eu-west-1:123456789012:role/X",
		"service not iam":        "arn:aws:s3::123456789012:role/X",
		"name too long":          arn(strings.Repeat("n", 65)),
		"bad name char":          arn("a*b"),
		"partition of elsewhere": "arn:aws-cn:iam::123456789012:role/X",
		"service-linked":         "arn:aws:iam::123456789012:role/aws-service-role/redshift.amazonaws.com/AWSServiceRoleForRedshift",
		"other account":          "arn:aws:iam::999999999999:role/X",
		"already associated":     arn("Copy"),
		"twice":                  arn("X") + "\n" + arn("X"),
	}
	for name, add := range cases {
		t.Run(name, func(t *testing.T) {
			in := validIn()
			in.Add = add
			_, errs := Policy{}.validate(ParseDraft(in), liveCluster())
			if errs[FieldAdd] == "" {
				t.Fatalf("%q accepted; errors %v", add, errs)
			}
		})
	}
}

func TestValidationRules(t *testing.T) {
	cases := []struct {
		name  string
		mod   func(*Input)
		field string
	}{
		{"same ARN in add and remove", func(in *Input) { in.Add = arn("Spectrum2"); in.Remove = []string{arn("Spectrum2")} }, FieldRemove},
		{"remove a role not associated", func(in *Input) { in.Remove = []string{arn("Nope")} }, FieldRemove},
		{"remove twice", func(in *Input) { in.Remove = []string{arn("Spectrum"), arn("Spectrum")} }, FieldRemove},
		{"default outside the result", func(in *Input) { in.Default = arn("Elsewhere") }, FieldDefault},
		{"default removed", func(in *Input) { in.Add = ""; in.Remove = []string{arn("Spectrum")}; in.Default = arn("Spectrum") }, FieldDefault},
		{"nothing changes", func(in *Input) { in.Add = ""; in.Default = arn("Copy") }, FieldForm},
		{"reason missing", func(in *Input) { in.Reason = "  " }, FieldReason},
		{"reason too short", func(in *Input) { in.Reason = "short" }, FieldReason},
		{"reason too long", func(in *Input) { in.Reason = strings.Repeat("x", MaxReasonLen+1) }, FieldReason},
		{"reason not UTF-8", func(in *Input) { in.Reason = "valid start \xff\xfe end" }, FieldReason},
		{"ticket too long", func(in *Input) { in.Ticket = strings.Repeat("T", MaxTicketLen+1) }, FieldTicket},
		{"ticket with CRLF", func(in *Input) { in.Ticket = "OPS-1\r\nX-Injected: 1" }, FieldTicket},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := validIn()
			tc.mod(&in)
			_, errs := Policy{}.validate(ParseDraft(in), liveCluster())
			if errs[tc.field] == "" {
				t.Fatalf("want a message on %s, got %v", tc.field, errs)
			}
		})
	}
}

func TestQuotaCountsTheResultingSet(t *testing.T) {
	in := validIn()
	var lines []string
	for i := range 49 {
		lines = append(lines, arn("R"+strings.Repeat("x", i%5)+string(rune('a'+i%26))+string(rune('a'+i/26))))
	}
	in.Add = strings.Join(lines, "\n")
	_, errs := Policy{}.validate(ParseDraft(in), liveCluster()) // 2 + 49 = 51 > 50
	if !strings.Contains(errs[FieldAdd], "quota") {
		t.Fatalf("51 roles accepted: %v", errs)
	}
	in.Remove = []string{arn("Spectrum")} // 50: fine
	if _, errs := (Policy{}).validate(ParseDraft(in), liveCluster()); len(errs) != 0 {
		t.Fatalf("50 roles refused: %v", errs)
	}
	iso := liveCluster()
	iso.Region = "us-iso-east-1"
	in = validIn()
	in.Region = iso.Region
	in.Add = "arn:aws-iso:iam::123456789012:role/A"
	for _, n := range []string{"B", "C", "D", "E", "F", "G", "H", "I"} {
		in.Add += "\narn:aws-iso:iam::123456789012:role/" + n
	}
	_, errs = Policy{}.validate(ParseDraft(in), iso) // 2 + 9 = 11 > 10
	if !strings.Contains(errs[FieldAdd], "quota") {
		t.Fatalf("ISO quota not applied: %v", errs)
	}
}

func TestValidPlanAndRisk(t *testing.T) {
	in := validIn()
	in.Add = arn("Zeta") + "\r\n\n" + arn("Alpha") + "\n"
	plan, errs := Policy{ProductionTag: "environment=production"}.validate(ParseDraft(in), liveCluster())
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	if strings.Join(plan.Add, ",") != arn("Alpha")+","+arn("Zeta") || plan.Risk != RiskNormal || plan.ResultDef != arn("Copy") || len(plan.Result) != 4 {
		t.Fatalf("plan %+v", plan)
	}
	// Removing the default is high risk; so is replacing it; so is production.
	in = validIn()
	in.Add, in.Remove = "", []string{arn("Copy")}
	plan, errs = Policy{}.validate(ParseDraft(in), liveCluster())
	if len(errs) != 0 || plan.Risk != RiskHigh || plan.ResultDef != "" || ApprovalsFor(plan.Risk) != 2 {
		t.Fatalf("remove default: %+v %v", plan, errs)
	}
	in = validIn()
	in.Default = arn("Spectrum")
	if plan, _ := (Policy{}).validate(ParseDraft(in), liveCluster()); plan.Risk != RiskHigh {
		t.Fatal("replacing the default is not high risk")
	}
	prod := liveCluster()
	prod.Tags["environment"] = "production"
	if plan, _ := (Policy{ProductionTag: "environment=production"}).validate(ParseDraft(validIn()), prod); plan.Risk != RiskHigh {
		t.Fatal("production cluster is not high risk")
	}
	// Setting a default on a cluster without one is normal.
	none := liveCluster()
	none.Default = ""
	in = validIn()
	in.Default = arn("Unload")
	if plan, errs := (Policy{}).validate(ParseDraft(in), none); len(errs) != 0 || plan.Risk != RiskNormal || plan.Default != arn("Unload") {
		t.Fatalf("first default: %+v %v", plan, errs)
	}
}

func TestChangeHashCoversContentAndBase(t *testing.T) {
	r := &Request{Account: acct, Region: "eu-west-1", Cluster: "sales", Add: []string{arn("B"), arn("A")}, BaseRoles: []string{arn("Copy")}, BaseDefault: arn("Copy")}
	h := r.ComputeHash()
	same := *r
	same.Add = []string{arn("A"), arn("B")}
	same.Reason = "different words"
	if same.ComputeHash() != h {
		t.Fatal("hash depends on order or on the reason")
	}
	for name, mod := range map[string]func(*Request){
		"add":          func(x *Request) { x.Add = []string{arn("A")} },
		"remove":       func(x *Request) { x.Remove = []string{arn("Copy")} },
		"default":      func(x *Request) { x.Default = arn("A") },
		"base roles":   func(x *Request) { x.BaseRoles = nil },
		"base default": func(x *Request) { x.BaseDefault = "" },
		"cluster":      func(x *Request) { x.Cluster = "other" },
		"region":       func(x *Request) { x.Region = "us-east-1" },
		"account":      func(x *Request) { x.Account = "999999999999" },
	} {
		c := *r
		mod(&c)
		if c.ComputeHash() == h {
			t.Errorf("hash ignores %s", name)
		}
	}
}

func FuzzParseARN(f *testing.F) {
	for _, s := range []string{arn("X"), "arn:aws-cn:iam::123456789012:role/a/b/C", "", "arn:aws:iam::123:role/", arn("x\x00")} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, msg := parseARN(s)
		if msg != "" {
			return
		}
		if !roleARN.MatchString(s) || len(s) > maxARNLen || p.Name == "" || len(p.Account) != 12 {
			t.Fatalf("accepted %q as %+v", s, p)
		}
	})
}

// Every tag the policy lists, not only the production tag, makes a change
// need two approvers, and names itself as the reason.
func TestHighRiskTagsNeedTwoApprovers(t *testing.T) {
	p := Policy{ProductionTag: "environment=production", HighRiskTags: []string{"data=pii", "environment=production"}}
	if got := strings.Join(p.ApprovalTags(), " "); got != "environment=production data=pii" {
		t.Fatalf("approval tags %q", got)
	}
	live := liveCluster()
	live.Tags = map[string]string{"data": "pii"}
	plan, errs := p.validate(ParseDraft(validIn()), live)
	if len(errs) != 0 || plan.Risk != RiskHigh || ApprovalsFor(plan.Risk) != 2 || !strings.Contains(strings.Join(plan.RiskReasons, " "), "data=pii") {
		t.Fatalf("a cluster tagged data=pii: risk %s %v, errors %v", plan.Risk, plan.RiskReasons, errs)
	}
	live.Tags = map[string]string{"data": "public"}
	if plan, _ := p.validate(ParseDraft(validIn()), live); plan.Risk != RiskNormal {
		t.Fatalf("a cluster tagged data=public is %s", plan.Risk)
	}
}

// Each fault fails the check it belongs to, and only a draft without
// faults passes every check: the checklist and the field errors come from
// the same faults.
func TestEveryFaultFailsItsCheck(t *testing.T) {
	many := func(n int) string {
		var lines []string
		for i := range n {
			lines = append(lines, arn("Many"+string(rune('a'+i%26))+string(rune('a'+i/26))))
		}
		return strings.Join(lines, "\n")
	}
	cases := []struct {
		check CheckKey
		mod   func(*Input)
	}{
		{CheckSyntax, func(in *Input) { in.Add = arn("Unload") + "\narn:aws:iam::12345:role/X" }},
		{CheckSyntax, func(in *Input) { in.Add = "arn:aws-cn:iam::" + acct + ":role/X" }},
		{CheckAccount, func(in *Input) { in.Add = "arn:aws:iam::999999999999:role/X" }},
		{CheckServiceLinked, func(in *Input) {
			in.Add = "arn:aws:iam::" + acct + ":role/aws-service-role/redshift.amazonaws.com/AWSServiceRoleForRedshift"
		}},
		{CheckRoles, func(in *Input) { in.Add = arn("Copy") }},
		{CheckRoles, func(in *Input) { in.Add = arn("X") + "\n" + arn("X") }},
		{CheckRoles, func(in *Input) { in.Add = ""; in.Remove = []string{arn("Nope")} }},
		{CheckQuota, func(in *Input) { in.Add = many(49) }},
		{CheckDefault, func(in *Input) { in.Default = arn("Elsewhere") }},
	}
	for _, tc := range cases {
		t.Run(string(tc.check), func(t *testing.T) {
			in := validIn()
			tc.mod(&in)
			plan, errs := Policy{}.validate(ParseDraft(in), liveCluster())
			if len(errs) == 0 {
				t.Fatal("no field error")
			}
			for _, c := range plan.Checks {
				if c.Key == tc.check && c.Status != CheckFail {
					t.Fatalf("check %s is %s (%s)", c.Key, c.Status, c.Detail)
				}
				if c.Key != tc.check && c.Status == CheckFail {
					t.Errorf("check %s fails too: %s", c.Key, c.Detail)
				}
			}
		})
	}
	plan, errs := Policy{}.validate(ParseDraft(validIn()), liveCluster())
	if len(errs) != 0 {
		t.Fatalf("a valid draft: %v", errs)
	}
	for _, c := range plan.Checks {
		if c.Status == CheckFail || c.Status == CheckWarn {
			t.Errorf("a valid draft's check %s is %s", c.Key, c.Status)
		}
	}
}
