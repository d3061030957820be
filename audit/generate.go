package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"
)

// Generate appends n synthetic but realistic events through Append (so
// the chain is real), for benchmarks and demonstrations: sign-ins, change
// requests and their approvals, applies with the returned Cluster
// snapshot, exports. Events are spaced about half a minute apart from
// start and committed batch at a time.
func (l *Log) Generate(ctx context.Context, n int, seed uint64, start time.Time) error {
	g := &generator{rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), t: start.UTC()}
	const batch = 2000
	for done := 0; done < n; {
		k := min(batch, n-done)
		err := l.db.Tx(ctx, func(tx *sql.Tx) error {
			for i := 0; i < k; i++ {
				if _, err := l.Append(ctx, tx, g.next()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("generate: %w", err)
		}
		done += k
	}
	return nil
}

var (
	genUsers    = []string{"ana", "bo", "chen", "dara", "eli", "fatima", "goran", "hana", "ivan", "june", "kofi", "lena"}
	genRoles    = []string{"viewer", "requester", "requester", "approver", "approver", "admin"}
	genRegions  = []string{"us-east-1", "eu-west-1", "ap-southeast-2"}
	genIAMRoles = []string{"RedshiftCopyUnload", "RedshiftSpectrum", "RedshiftML", "RedshiftS3Logs", "RedshiftGlue", "RedshiftLambdaUDF", "AnalyticsReader", "ETLLoader"}
)

func genActor(ui int) Actor {
	return Actor{UserID: int64(ui + 1), Username: genUsers[ui], Role: genRoles[ui%len(genRoles)]}
}

type generator struct {
	rnd      *rand.Rand
	t        time.Time
	changeID int64
}

func (g *generator) pick(s []string) string { return s[g.rnd.IntN(len(s))] }

func (g *generator) arn(account int) string {
	return fmt.Sprintf("arn:aws:iam::%012d:role/%s", 100000000000+account, g.pick(genIAMRoles))
}

func (g *generator) next() Event {
	g.t = g.t.Add(time.Duration(5+g.rnd.IntN(50)) * time.Second)
	ui := g.rnd.IntN(len(genUsers))
	actor := genActor(ui)
	origin := Origin{
		ClientIP:  fmt.Sprintf("10.%d.%d.%d", g.rnd.IntN(4), g.rnd.IntN(256), 1+g.rnd.IntN(250)),
		UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
		RequestID: fmt.Sprintf("%016x", g.rnd.Uint64()),
	}
	ri := g.rnd.IntN(len(genRegions))
	region := genRegions[ri]
	cluster := fmt.Sprintf("analytics-%02d", g.rnd.IntN(40))
	account := ri
	e := Event{Time: g.t, Actor: actor, Origin: origin, Outcome: Success}
	switch p := g.rnd.IntN(100); {
	case p < 30:
		e.Action = SignIn
		e.Params = Params(map[string]string{"method": "password"})
	case p < 35:
		e.Action = SignInFailed
		e.Outcome = Failure
		e.Actor = Actor{Username: genUsers[ui]}
		e.ErrorMessage = "wrong username or password"
	case p < 50:
		g.changeID++
		if ui%6 == 0 { // viewers do not request: the next user does
			e.Actor = genActor(ui + 1)
		}
		e.Action = ChangeCreated
		e.Target = Target{Region: region, Cluster: cluster, ChangeID: g.changeID}
		e.Params = Params(map[string]any{"add": []string{g.arn(account)}, "reason": "Quarterly load job needs S3 access"})
	case p < 60:
		if ui%6 < 3 { // only approvers and admins approve
			e.Actor = genActor(ui - ui%6 + 3 + ui%3)
		}
		e.Action = ChangeApproved
		e.Target = Target{Region: region, Cluster: cluster, ChangeID: max(1, g.changeID-int64(g.rnd.IntN(5)))}
	case p < 70:
		e.Action = ApplyStarted
		e.Actor = System
		e.Target = Target{Region: region, Cluster: cluster, ChangeID: max(1, g.changeID)}
		e.Params = Params(map[string]any{"add": []string{g.arn(account)}})
	case p < 85:
		e.Action = ApplySucceeded
		e.Actor = System
		e.Target = Target{Region: region, Cluster: cluster, ChangeID: max(1, g.changeID)}
		e.AWSRequestID = fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", g.rnd.Uint32(), g.rnd.IntN(1<<16), g.rnd.IntN(1<<16), g.rnd.IntN(1<<16), g.rnd.Uint64()>>16)
		e.Snapshot = g.snapshot(region, cluster, account)
	case p < 90:
		e.Action = ApplyFailed
		e.Actor = System
		e.Outcome = Failure
		e.Target = Target{Region: region, Cluster: cluster, ChangeID: max(1, g.changeID)}
		e.ErrorCode = "InvalidClusterState"
		e.ErrorMessage = "The cluster is being modified; try again later."
	case p < 97:
		e.Action = SignOut
	default:
		e.Action = AuditExported
		e.Params = Params(map[string]any{"format": "csv", "filter": map[string]string{"cluster": cluster}})
	}
	return e
}

func (g *generator) snapshot(region, cluster string, account int) json.RawMessage {
	n := 1 + g.rnd.IntN(4)
	roles := make([]map[string]string, 0, n)
	seen := map[string]bool{}
	for i := 0; i < n; i++ {
		a := g.arn(account)
		if seen[a] {
			continue
		}
		seen[a] = true
		status := "in-sync"
		if i == n-1 && g.rnd.IntN(3) == 0 {
			status = "adding"
		}
		roles = append(roles, map[string]string{"IamRoleArn": a, "ApplyStatus": status})
	}
	return Params(map[string]any{
		"ClusterIdentifier":          cluster,
		"ClusterStatus":              "available",
		"ClusterAvailabilityStatus":  "Available",
		"NodeType":                   "ra3.xlplus",
		"NumberOfNodes":              2 + g.rnd.IntN(6),
		"ClusterVersion":             "1.0",
		"Encrypted":                  true,
		"VpcId":                      fmt.Sprintf("vpc-%08x", account+1),
		"Endpoint":                   map[string]any{"Address": fmt.Sprintf("%s.c1a2b3.%s.redshift.amazonaws.com", cluster, region), "Port": 5439},
		"IamRoles":                   roles,
		"DefaultIamRoleArn":          roles[0]["IamRoleArn"],
		"PreferredMaintenanceWindow": "sun:03:00-sun:03:30",
		"Tags":                       []map[string]string{{"Key": "team", "Value": "analytics"}},
	})
}
