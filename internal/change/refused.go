package change

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/redshift/types"

	"rolegate/audit"
	"rolegate/internal/inventory"
)

// Stages at which a submission can be refused.
const (
	stageInput      = "input"         // wrong whatever the cluster holds; AWS was not asked
	stageLiveChecks = "live checks"   // against the cluster as AWS reported it
	stageOpen       = "open requests" // the cluster has open requests the requester did not confirm
)

// refusedSubmission records a submission (or resubmission) that was refused
// with field errors: who, which cluster, at which stage and why. No request
// row exists for it. With c, the cluster it was checked against and the
// DescribeClusters request ID are kept too. A failure to record is logged;
// the submission is refused either way.
func (s *Service) refusedSubmission(ctx context.Context, actor Actor, origin audit.Origin, d Draft, stage string, errs FieldErrors, from int64, c *types.Cluster, awsID string) *ValidationError {
	p := map[string]any{"stage": stage, "field_errors": errs}
	if from != 0 {
		p["resubmitting"] = from
	}
	_, err := s.o.Audit.Record(ctx, audit.Event{
		Actor: actor.audit(), Origin: origin, Action: audit.ChangeRefused, Outcome: audit.Failure,
		Target: audit.Target{Account: d.Account, Region: d.Region, Cluster: d.Cluster}, AWSRequestID: awsID,
		Params: audit.Params(p), Snapshot: inventory.SnapshotJSON(c),
	})
	if err != nil {
		s.o.Logger.Error("recording a refused change request", "request_id", origin.RequestID, "cluster", d.Cluster, "err", err)
	}
	return &ValidationError{Fields: errs}
}
