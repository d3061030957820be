package redshiftsim

import (
	"net/http"
	"strings"
)

// createCluster implements CreateCluster. The cluster is "creating" for
// Options.StateDelay, then "available".
func (s *Sim) createCluster(at place, p params, w *xw) *apiError {
	for _, k := range []string{"ClusterIdentifier", "NodeType", "MasterUsername"} {
		if p.str(k) == "" {
			return errMissing(k)
		}
	}
	manage, _, err := p.boolean("ManageMasterPassword")
	if err != nil {
		return err.(*apiError)
	}
	if p.str("MasterUserPassword") == "" && !manage {
		return errMissing("MasterUserPassword")
	}
	id := strings.ToLower(p.str("ClusterIdentifier"))
	if !clusterIDPattern.MatchString(id) {
		return errInvalidValue("The parameter ClusterIdentifier must begin with a letter, contain only lowercase alphanumeric characters or hyphens, not end with a hyphen or contain two consecutive hyphens, and be at most 63 characters.")
	}
	nodeType := p.str("NodeType")
	info, ok := nodeTypes[nodeType]
	if !ok {
		return errInvalidValue("Invalid node type: %s", nodeType)
	}
	nodes, nodesSet, err := p.integer("NumberOfNodes")
	if err != nil {
		return err.(*apiError)
	}
	switch p.str("ClusterType") {
	case "single-node":
		if nodesSet && nodes != 1 {
			return errCombination("A single-node cluster has exactly one node.")
		}
		nodes = 1
	case "multi-node", "":
		if !nodesSet {
			if p.str("ClusterType") == "multi-node" {
				return errMissing("NumberOfNodes")
			}
			nodes = 1
		} else if p.str("ClusterType") == "multi-node" && nodes < 2 {
			return errInvalidValue("Number of nodes for cluster type multi-node must be greater than or equal to 2")
		}
	default:
		return errInvalidValue("Invalid cluster type: %s", p.str("ClusterType"))
	}
	if nodes < 1 || nodes > info.maxNodes {
		return senderErr(http.StatusBadRequest, "InvalidParameterValue", "Invalid number of nodes %d for node type %s (1 to %d).", nodes, nodeType, info.maxNodes)
	}
	roles, _, lerr := p.list("IamRoles", "IamRoleArn")
	if lerr != nil {
		return lerr.(*apiError)
	}
	tags, terr := p.tags("Tags")
	if terr != nil {
		return terr.(*apiError)
	}
	encrypted, encSet, err := p.boolean("Encrypted")
	if err != nil {
		return err.(*apiError)
	}
	public, _, err := p.boolean("PubliclyAccessible")
	if err != nil {
		return err.(*apiError)
	}
	port, portSet, err := p.integer("Port")
	if err != nil {
		return err.(*apiError)
	}
	if portSet && (port < 1115 || port > 65535) {
		return errInvalidValue("The port must be between 1115 and 65535.")
	}
	seen := map[string]bool{}
	for _, arn := range roles {
		if e := checkRoleARN(at.region, arn, s.o.RoleTrusted); e != nil {
			return e
		}
		if seen[arn] {
			return errInvalidValue("The IAM role %s is listed more than once.", arn)
		}
		seen[arn] = true
	}
	if len(roles) > roleQuota(at.region, s.o.RoleQuota) {
		return errInvalidValue("A cluster can have at most %d IAM roles; this request would leave %d.", roleQuota(at.region, s.o.RoleQuota), len(roles))
	}
	def := p.str("DefaultIamRoleArn")
	if def != "" && !seen[def] {
		return errInvalidValue(msgDefaultNotListed)
	}

	now := s.clock.Now()
	c := newCluster(at, id, now)
	c.created = now.UTC().Truncate(1e6)
	c.nodeType, c.nodes, c.status = nodeType, nodes, StatusCreating
	c.stateDue = now.Add(s.o.StateDelay)
	if v := p.str("DBName"); v != "" {
		c.dbName = v
	}
	c.master = p.str("MasterUsername")
	if encSet {
		c.encrypted = encrypted
	} else {
		c.encrypted = true // AWS encrypts new clusters by default
	}
	c.public = public
	if portSet {
		c.port = port
	}
	if v := p.str("AvailabilityZone"); v != "" {
		c.az = v
	}
	for _, arn := range roles {
		c.roles = append(c.roles, role{arn: arn, status: RoleInSync})
	}
	c.defaultRole = def
	c.tags = append(c.tags, tags...)

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, exists := s.lookup(at, id); exists {
		return senderErr(http.StatusBadRequest, "ClusterAlreadyExists", "Cluster already exists")
	}
	s.insert(c)
	w.Write(s.rendered(c))
	return nil
}

// deleteCluster implements DeleteCluster: the cluster is "deleting" for
// Options.StateDelay, then gone.
func (s *Sim) deleteCluster(at place, p params, w *xw) *apiError {
	id := p.str("ClusterIdentifier")
	if id == "" {
		return errMissing("ClusterIdentifier")
	}
	skip, _, err := p.boolean("SkipFinalClusterSnapshot")
	if err != nil {
		return err.(*apiError)
	}
	final := p.str("FinalClusterSnapshotIdentifier")
	if skip && final != "" {
		return errCombination("FinalClusterSnapshotIdentifier cannot be specified when SkipFinalClusterSnapshot is true.")
	}
	if !skip && final == "" {
		return errCombination("FinalClusterSnapshotIdentifier is required unless SkipFinalClusterSnapshot is specified.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.lookup(at, id)
	if !ok {
		return errClusterNotFound(id)
	}
	switch c.status {
	case StatusAvailable, StatusPaused, StatusModifying:
	default:
		return errInvalidState("There is an operation running on the Cluster. Please try to delete it at a later time.")
	}
	c.status = StatusDeleting
	c.stateDue = s.clock.Now().Add(s.o.StateDelay)
	c.touch()
	w.Write(s.rendered(c))
	return nil
}

// pauseCluster implements PauseCluster: "pausing" for Options.StateDelay,
// then "paused".
func (s *Sim) pauseCluster(at place, p params, w *xw) *apiError {
	return s.transition(at, p, w, StatusAvailable, StatusPausing,
		"You can't pause cluster %s because it's not in the available state.")
}

// resumeCluster implements ResumeCluster: "resuming" for
// Options.StateDelay, then "available".
func (s *Sim) resumeCluster(at place, p params, w *xw) *apiError {
	return s.transition(at, p, w, StatusPaused, StatusResuming,
		"You can't resume cluster %s because it's not in the paused state.")
}

func (s *Sim) transition(at place, p params, w *xw, from, to, msg string) *apiError {
	id := p.str("ClusterIdentifier")
	if id == "" {
		return errMissing("ClusterIdentifier")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.lookup(at, id)
	if !ok {
		return errClusterNotFound(id)
	}
	if c.status != from || c.rolesPending() {
		return errInvalidState(msg, id)
	}
	c.status = to
	c.stateDue = s.clock.Now().Add(s.o.StateDelay)
	c.touch()
	w.Write(s.rendered(c))
	return nil
}
