package change

import "testing"

// Requests worked on at once never share a cluster: a bulk member whose
// cluster a request on its own or a member of another set also changes
// waits for the next step.
func TestBulkDueNeverWorksOnOneClusterTwiceAtOnce(t *testing.T) {
	req := func(id, bulk int64, cluster string) *Request {
		return &Request{ID: id, BulkID: bulk, Account: "123456789012", Region: "us-east-1", Cluster: cluster}
	}
	single, members := bulkDue([]*Request{
		req(1, 7, "a"), req(2, 7, "b"), req(3, 0, "b"), req(4, 8, "a"), req(5, 8, "c"), req(6, 0, "d"),
	})
	ids := func(rs []*Request) (out []int64) {
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	if got := ids(single); len(got) != 2 || got[0] != 3 || got[1] != 6 {
		t.Errorf("single %v, want [3 6]", got)
	}
	if got := ids(members); len(got) != 2 || got[0] != 1 || got[1] != 5 {
		t.Errorf("members %v, want [1 5]: 2 waits for 3 on b, 4 for 1 on a", got)
	}
}
