package redshiftsim

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshift/types"
)

// Account is the default AWS account: the one whose clusters plain
// (not assumed) credentials reach, and the only one of a world that
// declares no accounts.
const Account = "123456789012"

// Cluster states and role apply statuses the simulator uses.
const (
	StatusAvailable = "available"
	StatusPaused    = "paused"
	StatusModifying = "modifying"
	StatusCreating  = "creating"
	StatusPausing   = "pausing"
	StatusResuming  = "resuming"
	StatusDeleting  = "deleting"

	RoleInSync   = "in-sync"
	RoleAdding   = "adding"
	RoleRemoving = "removing"
)

type role struct{ arn, status string }

type tag struct{ Key, Value string }

// nodeInfo describes a node type: its managed or local storage per node and
// the elastic resize options AWS reports for it.
type nodeInfo struct {
	storageMB int64
	maxNodes  int
}

var nodeTypes = map[string]nodeInfo{
	"dc2.large":    {storageMB: 163840, maxNodes: 32},
	"dc2.8xlarge":  {storageMB: 2621440, maxNodes: 128},
	"ra3.large":    {storageMB: 8388608, maxNodes: 16},
	"ra3.xlplus":   {storageMB: 33554432, maxNodes: 32},
	"ra3.4xlarge":  {storageMB: 134217728, maxNodes: 64},
	"ra3.16xlarge": {storageMB: 134217728, maxNodes: 128},
}

var clusterIDPattern = regexp.MustCompile(`^[a-z]([a-z0-9]|-[a-z0-9]){0,62}$`)

// cluster is the simulator's state of one cluster. All fields are guarded by
// Sim.mu.
type cluster struct {
	account     string
	region, id  string
	nodeType    string
	nodes       int
	status      string
	roles       []role
	defaultRole string
	tags        []tag
	dbName      string
	master      string
	created     time.Time
	nextMaint   time.Time
	encrypted   bool
	public      bool
	port        int
	az          string
	seed        [32]byte // deterministic source of IDs and addresses
	noNamespace bool     // describe it without ClusterNamespaceArn

	roleDue  time.Time // when adding/removing roles settle
	stateDue time.Time // when a transitional status settles

	xml []byte // cached rendering of the current snapshot; nil when stale
}

func (c *cluster) touch() { c.xml = nil }

func (c *cluster) rolesPending() bool {
	for _, r := range c.roles {
		if r.status != RoleInSync {
			return true
		}
	}
	return false
}

// settle applies the transitions that are due at now. It reports whether
// the cluster is gone (a finished deletion).
func (c *cluster) settle(now time.Time) (gone bool) {
	if c.rolesPending() && !now.Before(c.roleDue) {
		kept := c.roles[:0]
		for _, r := range c.roles {
			switch r.status {
			case RoleRemoving:
				continue
			case RoleAdding:
				r.status = RoleInSync
			}
			kept = append(kept, r)
		}
		c.roles = kept
		c.touch()
	}
	if !c.stateDue.IsZero() && !now.Before(c.stateDue) {
		c.stateDue = time.Time{}
		switch c.status {
		case StatusCreating, StatusResuming:
			c.status = StatusAvailable
		case StatusPausing:
			c.status = StatusPaused
		case StatusDeleting:
			return true
		}
		c.touch()
	}
	return false
}

func (c *cluster) hex(i, n int) string {
	h := sha256.Sum256(append(c.seed[:], byte(i)))
	return hex.EncodeToString(h[:])[:n]
}

func (c *cluster) uuid(i int) string {
	s := c.hex(i, 32)
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

func (c *cluster) partition() string { return partitionOf(c.region) }

func (c *cluster) availability(o *Options) string {
	switch c.status {
	case StatusAvailable:
		if c.rolesPending() {
			return "Modifying"
		}
		return "Available"
	case StatusModifying, StatusPausing, StatusResuming:
		return "Modifying"
	}
	return "Unavailable"
}

func (c *cluster) clusterStatus(o *Options) string {
	if c.status == StatusAvailable && c.rolesPending() && o.RoleChangeStatus != "" {
		return o.RoleChangeStatus
	}
	return c.status
}

// snapshot builds the cluster as DescribeClusters shows it now. Every call
// allocates afresh, so callers may keep or change the result.
func (c *cluster) snapshot(o *Options) types.Cluster {
	ms := func(t time.Time) *time.Time { t = t.UTC().Truncate(time.Millisecond); return &t }
	info := nodeTypes[c.nodeType]
	sgID := "sg-" + c.hex(1, 17)
	out := types.Cluster{
		ClusterIdentifier:                aws.String(c.id),
		NodeType:                         aws.String(c.nodeType),
		ClusterStatus:                    aws.String(c.clusterStatus(o)),
		ClusterAvailabilityStatus:        aws.String(c.availability(o)),
		MasterUsername:                   aws.String(c.master),
		DBName:                           aws.String(c.dbName),
		ClusterCreateTime:                ms(c.created),
		AutomatedSnapshotRetentionPeriod: aws.Int32(1),
		ManualSnapshotRetentionPeriod:    aws.Int32(-1),
		ClusterSecurityGroups:            []types.ClusterSecurityGroupMembership{},
		VpcSecurityGroups: []types.VpcSecurityGroupMembership{
			{VpcSecurityGroupId: aws.String(sgID), Status: aws.String("active")},
		},
		ClusterParameterGroups: []types.ClusterParameterGroupStatus{{
			ParameterGroupName:   aws.String("default.redshift-2.0"),
			ParameterApplyStatus: aws.String("in-sync"),
		}},
		ClusterSubnetGroupName:           aws.String("default"),
		VpcId:                            aws.String("vpc-" + c.hex(2, 17)),
		AvailabilityZone:                 aws.String(c.az),
		PreferredMaintenanceWindow:       aws.String(maintWindow(c.nextMaint)),
		PendingModifiedValues:            &types.PendingModifiedValues{},
		ClusterVersion:                   aws.String("1.0"),
		AllowVersionUpgrade:              aws.Bool(true),
		NumberOfNodes:                    aws.Int32(int32(c.nodes)),
		PubliclyAccessible:               aws.Bool(c.public),
		Encrypted:                        aws.Bool(c.encrypted),
		ClusterPublicKey:                 aws.String("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC" + c.hex(3, 40) + " Amazon-Redshift"),
		ClusterRevisionNumber:            aws.String("84352"),
		Tags:                             make([]types.Tag, 0, len(c.tags)),
		EnhancedVpcRouting:               aws.Bool(false),
		IamRoles:                         make([]types.ClusterIamRole, 0, len(c.roles)),
		PendingActions:                   []string{},
		MaintenanceTrackName:             aws.String("current"),
		DeferredMaintenanceWindows:       []types.DeferredMaintenanceWindow{},
		NextMaintenanceWindowStartTime:   ms(c.nextMaint),
		AvailabilityZoneRelocationStatus: aws.String("disabled"),
		ClusterNamespaceArn:              aws.String(fmt.Sprintf("arn:%s:redshift:%s:%s:namespace:%s", c.partition(), c.region, c.account, c.uuid(4))),
		TotalStorageCapacityInMegaBytes:  aws.Int64(info.storageMB * int64(c.nodes)),
		AquaConfiguration: &types.AquaConfiguration{
			AquaStatus:              types.AquaStatusDisabled,
			AquaConfigurationStatus: types.AquaConfigurationStatusAuto,
		},
		IpAddressType: aws.String("ipv4"),
		MultiAZ:       aws.String("Disabled"),
	}
	if c.status != StatusCreating {
		out.Endpoint = &types.Endpoint{
			Address: aws.String(fmt.Sprintf("%s.%s.%s.redshift.amazonaws.com", c.id, c.hex(5, 12), c.region)),
			Port:    aws.Int32(int32(c.port)),
		}
		out.ClusterNodes = c.nodeList()
		if c.nodes > 1 {
			out.ElasticResizeNumberOfNodeOptions = aws.String(resizeOptions(c.nodes, info.maxNodes))
		}
	} else {
		out.PendingModifiedValues = &types.PendingModifiedValues{MasterUserPassword: aws.String("****")}
	}
	if c.encrypted {
		out.KmsKeyId = aws.String(fmt.Sprintf("arn:%s:kms:%s:%s:key/%s", c.partition(), c.region, c.account, c.uuid(6)))
	}
	for _, t := range c.tags {
		out.Tags = append(out.Tags, types.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)})
	}
	for _, r := range c.roles {
		out.IamRoles = append(out.IamRoles, types.ClusterIamRole{IamRoleArn: aws.String(r.arn), ApplyStatus: aws.String(r.status)})
	}
	if c.defaultRole != "" {
		out.DefaultIamRoleArn = aws.String(c.defaultRole)
	}
	if c.noNamespace {
		out.ClusterNamespaceArn = nil
	}
	return out
}

func (c *cluster) nodeList() []types.ClusterNode {
	b := c.seed
	ip := func(n int) string { return fmt.Sprintf("10.%d.%d.%d", b[0]%250, b[1]%250, 10+n) }
	pub := func(n int) *string {
		if !c.public {
			return nil
		}
		return aws.String(fmt.Sprintf("54.%d.%d.%d", b[2]%250, b[3]%250, 10+n))
	}
	if c.nodes == 1 {
		return []types.ClusterNode{{NodeRole: aws.String("SHARED"), PrivateIPAddress: aws.String(ip(0)), PublicIPAddress: pub(0)}}
	}
	out := []types.ClusterNode{{NodeRole: aws.String("LEADER"), PrivateIPAddress: aws.String(ip(0)), PublicIPAddress: pub(0)}}
	for i := 0; i < c.nodes; i++ {
		out = append(out, types.ClusterNode{NodeRole: aws.String(fmt.Sprintf("COMPUTE-%d", i)), PrivateIPAddress: aws.String(ip(i + 1)), PublicIPAddress: pub(i + 1)})
	}
	return out
}

func resizeOptions(nodes, max int) string {
	var opts []int
	for _, n := range []int{nodes / 2, nodes * 2, nodes * 4} {
		if n >= 2 && n <= max && n != nodes {
			opts = append(opts, n)
		}
	}
	sort.Ints(opts)
	s := "["
	for i, n := range opts {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprint(n)
	}
	return s + "]"
}

var weekdays = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

func maintWindow(start time.Time) string {
	start = start.UTC()
	end := start.Add(30 * time.Minute)
	return fmt.Sprintf("%s:%02d:%02d-%s:%02d:%02d", weekdays[start.Weekday()], start.Hour(), start.Minute(),
		weekdays[end.Weekday()], end.Hour(), end.Minute())
}

// newCluster fills the realistic defaults of a cluster from what is known
// about it. now is the clock's time.
func newCluster(at place, id string, now time.Time) *cluster {
	region := at.region
	key := region + "/" + id
	if at.account != Account {
		key = at.account + "/" + key // the default account's clusters keep the IDs they always had
	}
	c := &cluster{account: at.account, region: region, id: id, seed: sha256.Sum256([]byte(key))}
	c.nodeType = "ra3.xlplus"
	c.nodes = 2
	c.status = StatusAvailable
	c.dbName = "dev"
	c.master = "awsuser"
	c.encrypted = true
	c.port = 5439
	c.az = region + string(rune('a'+int(c.seed[4])%3))
	days := int(binary.BigEndian.Uint16(c.seed[6:8])) % 700
	c.created = now.Add(-time.Duration(days+1)*24*time.Hour - time.Duration(c.seed[8])*time.Minute).UTC().Truncate(time.Millisecond)
	// The next maintenance window: a weekday at a half hour, within a week.
	next := now.UTC().Truncate(time.Hour).Add(time.Duration(24+int(c.seed[9])%144) * time.Hour)
	if c.seed[10]%2 == 1 {
		next = next.Add(30 * time.Minute)
	}
	c.nextMaint = next
	return c
}
