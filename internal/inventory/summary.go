package inventory

import "github.com/aws/aws-sdk-go-v2/service/redshift/types"

// summary keeps, of a swept Cluster, the members the dashboard shows (list
// columns, the cluster page's fields, roles, tags), so that the cache of
// thousands of clusters stays small. Nodes, parameter groups, security
// groups and the other bulky members are dropped; the full snapshot is
// always read live (DescribeCluster), and the cache marks these entries as
// summaries.
//
// The sweep's decoder (sweepdecode.go) reads exactly these members from
// the wire: a member added here must be added there too
// (TestSweepDecoderMatchesSDK compares the two).
func summary(c *types.Cluster) *types.Cluster {
	s := &types.Cluster{
		ClusterIdentifier:          c.ClusterIdentifier,
		NodeType:                   c.NodeType,
		ClusterStatus:              c.ClusterStatus,
		ClusterAvailabilityStatus:  c.ClusterAvailabilityStatus,
		ModifyStatus:               c.ModifyStatus,
		DBName:                     c.DBName,
		ClusterCreateTime:          c.ClusterCreateTime,
		VpcId:                      c.VpcId,
		AvailabilityZone:           c.AvailabilityZone,
		PreferredMaintenanceWindow: c.PreferredMaintenanceWindow,
		ClusterVersion:             c.ClusterVersion,
		NumberOfNodes:              c.NumberOfNodes,
		PubliclyAccessible:         c.PubliclyAccessible,
		Encrypted:                  c.Encrypted,
		KmsKeyId:                   c.KmsKeyId,
		Tags:                       c.Tags,
		IamRoles:                   c.IamRoles,
		PendingActions:             c.PendingActions,
		DefaultIamRoleArn:          c.DefaultIamRoleArn,
		ClusterNamespaceArn:        c.ClusterNamespaceArn,
		MultiAZ:                    c.MultiAZ,
	}
	if c.Endpoint != nil {
		s.Endpoint = &types.Endpoint{Address: c.Endpoint.Address, Port: c.Endpoint.Port}
	}
	return s
}
