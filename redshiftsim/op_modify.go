package redshiftsim

// modifyClusterIamRoles implements ModifyClusterIamRoles. Every check runs
// before any state changes, so a failed call changes nothing.
func (s *Sim) modifyClusterIamRoles(at place, p params, w *xw) *apiError {
	id := p.str("ClusterIdentifier")
	if id == "" {
		return errMissing("ClusterIdentifier")
	}
	add, _, err := p.list("AddIamRoles", "IamRoleArn")
	if err != nil {
		return err.(*apiError)
	}
	remove, _, err := p.list("RemoveIamRoles", "IamRoleArn")
	if err != nil {
		return err.(*apiError)
	}
	def := p.str("DefaultIamRoleArn")

	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.lookup(at, id)
	if !ok {
		return errClusterNotFound(id)
	}
	if c.status != StatusAvailable || c.rolesPending() {
		return errInvalidState(msgConcurrent)
	}
	for _, arn := range add {
		if e := checkRoleARN(at.region, arn, s.o.RoleTrusted); e != nil {
			return e
		}
		if e := s.iamRefusal(at.account, arn); e != nil {
			return e
		}
	}
	for _, arn := range remove {
		if e := checkRoleARN(at.region, arn, nil); e != nil {
			return e
		}
	}
	if def != "" {
		if e := checkRoleARN(at.region, def, nil); e != nil {
			return e
		}
	}

	current := map[string]bool{}
	for _, r := range c.roles {
		current[r.arn] = true
	}
	strict := !s.o.LenientDuplicates
	toAdd, addSet := []string{}, map[string]bool{}
	for _, arn := range add {
		if addSet[arn] || current[arn] {
			if strict {
				return errInvalidValue("The IAM role %s is already associated with the cluster %s.", arn, id)
			}
			continue
		}
		addSet[arn] = true
		toAdd = append(toAdd, arn)
	}
	removeSet := map[string]bool{}
	for _, arn := range remove {
		if strict && addSet[arn] {
			return errInvalidValue("The IAM role %s cannot be both added to and removed from the cluster.", arn)
		}
		if removeSet[arn] || !current[arn] {
			if strict {
				return errInvalidValue("The IAM role %s is not associated with the cluster %s.", arn, id)
			}
			continue
		}
		removeSet[arn] = true
	}
	after := len(c.roles) + len(toAdd) - len(removeSet)
	if q := roleQuota(at.region, s.o.RoleQuota); after > q {
		return errInvalidValue("A cluster can have at most %d IAM roles; this request would leave %d.", q, after)
	}
	if def != "" && !((current[def] || addSet[def]) && !removeSet[def]) {
		return errInvalidValue(msgDefaultNotListed)
	}

	// Every check passed: change the state.
	for i, r := range c.roles {
		if removeSet[r.arn] {
			c.roles[i].status = RoleRemoving
		}
	}
	for _, arn := range toAdd {
		c.roles = append(c.roles, role{arn: arn, status: RoleAdding})
	}
	if removeSet[c.defaultRole] {
		c.defaultRole = ""
	}
	if def != "" {
		c.defaultRole = def
	}
	if len(toAdd)+len(removeSet) > 0 {
		c.roleDue = s.clock.Now().Add(s.o.RoleDelay)
	}
	c.touch()
	w.Write(s.rendered(c))
	return nil
}
