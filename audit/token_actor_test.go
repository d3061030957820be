package audit_test

import (
	"context"
	"testing"

	"rolegate/audit"
)

// An event made with an API token hashes the token's ID (audit.v3): it
// reads back, exports and verifies, and changing, dropping or adding a
// token afterwards is found.
func TestTokenActorIsHashed(t *testing.T) {
	for _, tc := range []struct{ name, stmt string }{
		{"token changed", `UPDATE audit_events SET actor_token = 8 WHERE seq = 2`},
		{"token dropped", `UPDATE audit_events SET actor_token = NULL WHERE seq = 2`},
		{"token added", `UPDATE audit_events SET actor_token = 7 WHERE seq = 1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openDB(t)
			log := audit.New(db)
			ctx := context.Background()
			for _, a := range []audit.Actor{{UserID: 1, Username: "rita"}, {UserID: 1, Username: "rita", Role: "requester", TokenID: 7}} {
				if _, err := log.Record(ctx, audit.Event{Actor: a, Action: audit.SignIn, Outcome: audit.Success}); err != nil {
					t.Fatal(err)
				}
			}
			e, err := log.Get(ctx, 2)
			if err != nil || e.Actor.TokenID != 7 {
				t.Fatalf("read back: %+v %v", e.Actor, err)
			}
			if r := verify(t, log); !r.OK() {
				t.Fatalf("intact: %+v", r.Faults)
			}
			tamper(t, db, tc.stmt)
			r := verify(t, log)
			if r.OK() || r.FirstBad() == 0 {
				t.Fatalf("%s not found: %+v", tc.name, r)
			}
		})
	}
}
