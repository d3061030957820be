package inventory

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/redshift/types"
)

// clusterMember is one Cluster member the sweep keeps: its element name on
// the wire (also its field name in types.Cluster), how the sweep's decoder
// reads it, and how summary copies it.
type clusterMember struct {
	name string
	read func(s *sweepScanner, c *types.Cluster, tok token, name []byte) error
	keep func(dst, src *types.Cluster)
}

// member builds the clusterMember of the field that field points to, read
// by read and copied as it is.
func member[T any](name string, field func(*types.Cluster) *T, read func(*sweepScanner, token, []byte, *T) error) clusterMember {
	return clusterMember{
		name: name,
		read: func(s *sweepScanner, c *types.Cluster, tok token, n []byte) error { return read(s, tok, n, field(c)) },
		keep: func(dst, src *types.Cluster) { *field(dst) = *field(src) },
	}
}

// clusterMembers are the Cluster members the dashboard shows (list
// columns, the cluster page's fields, roles, tags), and the only list of
// them: summary copies these, the sweep's decoder reads these from the
// wire and skips the others, and the tests check both against the SDK's
// decoder. A member added here is kept everywhere.
var clusterMembers = [...]clusterMember{
	member("ClusterIdentifier", func(c *types.Cluster) **string { return &c.ClusterIdentifier }, readText(false)),
	member("NodeType", func(c *types.Cluster) **string { return &c.NodeType }, readText(true)),
	member("ClusterStatus", func(c *types.Cluster) **string { return &c.ClusterStatus }, readText(true)),
	member("ClusterAvailabilityStatus", func(c *types.Cluster) **string { return &c.ClusterAvailabilityStatus }, readText(true)),
	member("ModifyStatus", func(c *types.Cluster) **string { return &c.ModifyStatus }, readText(true)),
	member("DBName", func(c *types.Cluster) **string { return &c.DBName }, readText(true)),
	member("ClusterCreateTime", func(c *types.Cluster) **time.Time { return &c.ClusterCreateTime }, readTime),
	member("VpcId", func(c *types.Cluster) **string { return &c.VpcId }, readText(false)),
	member("AvailabilityZone", func(c *types.Cluster) **string { return &c.AvailabilityZone }, readText(true)),
	member("PreferredMaintenanceWindow", func(c *types.Cluster) **string { return &c.PreferredMaintenanceWindow }, readText(true)),
	member("ClusterVersion", func(c *types.Cluster) **string { return &c.ClusterVersion }, readText(true)),
	member("NumberOfNodes", func(c *types.Cluster) **int32 { return &c.NumberOfNodes }, readInt32),
	member("PubliclyAccessible", func(c *types.Cluster) **bool { return &c.PubliclyAccessible }, readBool),
	member("Encrypted", func(c *types.Cluster) **bool { return &c.Encrypted }, readBool),
	member("KmsKeyId", func(c *types.Cluster) **string { return &c.KmsKeyId }, readText(false)),
	member("Tags", func(c *types.Cluster) *[]types.Tag { return &c.Tags }, readTags),
	member("IamRoles", func(c *types.Cluster) *[]types.ClusterIamRole { return &c.IamRoles }, readRoles),
	member("PendingActions", func(c *types.Cluster) *[]string { return &c.PendingActions }, readMembers),
	member("DefaultIamRoleArn", func(c *types.Cluster) **string { return &c.DefaultIamRoleArn }, readText(true)),
	member("ClusterNamespaceArn", func(c *types.Cluster) **string { return &c.ClusterNamespaceArn }, readText(false)),
	member("MultiAZ", func(c *types.Cluster) **string { return &c.MultiAZ }, readText(true)),
	// Of the endpoint, only its address and port (the decoder's endpoint
	// reads just these two); its VPC endpoints are dropped.
	{
		name: "Endpoint",
		read: func(s *sweepScanner, c *types.Cluster, tok token, n []byte) error {
			return readEndpoint(s, tok, n, &c.Endpoint)
		},
		keep: func(dst, src *types.Cluster) {
			if src.Endpoint != nil {
				dst.Endpoint = &types.Endpoint{Address: src.Endpoint.Address, Port: src.Endpoint.Port}
			}
		},
	},
}

// clusterMemberIndex finds a member of clusterMembers by its element name;
// clusterMemberNames are those names, for the decoder's check of names
// spelled in another letter case. Both are built once from the table and
// never changed.
var clusterMemberIndex, clusterMemberNames = func() (map[string]int, []string) {
	idx := make(map[string]int, len(clusterMembers))
	names := make([]string, len(clusterMembers))
	for i, m := range clusterMembers {
		idx[m.name] = i
		names[i] = m.name
	}
	return idx, names
}()

// summary keeps, of a swept Cluster, the members of clusterMembers, so
// that the cache of thousands of clusters stays small. Nodes, parameter
// groups, security groups and the other bulky members are dropped; the
// full snapshot is always read live (DescribeCluster), and the cache marks
// these entries as summaries.
func summary(c *types.Cluster) *types.Cluster {
	s := &types.Cluster{}
	for i := range clusterMembers {
		clusterMembers[i].keep(s, c)
	}
	return s
}
