package redshiftsim

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/redshift/types"
)

const xmlNamespace = "http://redshift.amazonaws.com/doc/2012-12-01/"

// xw writes Query-protocol XML: escaped text, unset members omitted,
// empty lists as <X/>.
type xw struct{ bytes.Buffer }

func (w *xw) open(name string)  { w.WriteByte('<'); w.WriteString(name); w.WriteByte('>') }
func (w *xw) close(name string) { w.WriteString("</"); w.WriteString(name); w.WriteByte('>') }
func (w *xw) empty(name string) { w.WriteByte('<'); w.WriteString(name); w.WriteString("/>") }

func (w *xw) text(name, v string) {
	w.open(name)
	_ = xml.EscapeText(w, []byte(v))
	w.close(name)
}

func (w *xw) str(name string, v *string) {
	if v != nil {
		w.text(name, *v)
	}
}

func (w *xw) enum(name, v string) {
	if v != "" {
		w.text(name, v)
	}
}

func (w *xw) i32(name string, v *int32) {
	if v != nil {
		w.text(name, strconv.FormatInt(int64(*v), 10))
	}
}

func (w *xw) i64(name string, v *int64) {
	if v != nil {
		w.text(name, strconv.FormatInt(*v, 10))
	}
}

func (w *xw) boolean(name string, v *bool) {
	if v != nil {
		w.text(name, strconv.FormatBool(*v))
	}
}

func (w *xw) ts(name string, v *time.Time) {
	if v != nil {
		w.text(name, v.UTC().Format("2006-01-02T15:04:05.000Z"))
	}
}

// list writes a list member: nothing when nil, <name/> when empty.
func list[T any](w *xw, name string, items []T, each func(T)) {
	if items == nil {
		return
	}
	if len(items) == 0 {
		w.empty(name)
		return
	}
	w.open(name)
	for _, it := range items {
		each(it)
	}
	w.close(name)
}

// cluster writes a <Cluster> element for c.
func (w *xw) cluster(c *types.Cluster) {
	w.open("Cluster")
	w.str("ClusterIdentifier", c.ClusterIdentifier)
	w.str("NodeType", c.NodeType)
	w.str("ClusterStatus", c.ClusterStatus)
	w.str("ClusterAvailabilityStatus", c.ClusterAvailabilityStatus)
	w.str("ModifyStatus", c.ModifyStatus)
	w.str("MasterUsername", c.MasterUsername)
	w.str("DBName", c.DBName)
	if e := c.Endpoint; e != nil {
		w.open("Endpoint")
		w.str("Address", e.Address)
		w.i32("Port", e.Port)
		list(w, "VpcEndpoints", e.VpcEndpoints, func(v types.VpcEndpoint) {
			w.open("VpcEndpoint")
			w.str("VpcEndpointId", v.VpcEndpointId)
			w.str("VpcId", v.VpcId)
			w.close("VpcEndpoint")
		})
		w.close("Endpoint")
	}
	w.ts("ClusterCreateTime", c.ClusterCreateTime)
	w.i32("AutomatedSnapshotRetentionPeriod", c.AutomatedSnapshotRetentionPeriod)
	w.i32("ManualSnapshotRetentionPeriod", c.ManualSnapshotRetentionPeriod)
	list(w, "ClusterSecurityGroups", c.ClusterSecurityGroups, func(g types.ClusterSecurityGroupMembership) {
		w.open("ClusterSecurityGroup")
		w.str("ClusterSecurityGroupName", g.ClusterSecurityGroupName)
		w.str("Status", g.Status)
		w.close("ClusterSecurityGroup")
	})
	list(w, "VpcSecurityGroups", c.VpcSecurityGroups, func(g types.VpcSecurityGroupMembership) {
		w.open("VpcSecurityGroup")
		w.str("VpcSecurityGroupId", g.VpcSecurityGroupId)
		w.str("Status", g.Status)
		w.close("VpcSecurityGroup")
	})
	list(w, "ClusterParameterGroups", c.ClusterParameterGroups, func(g types.ClusterParameterGroupStatus) {
		w.open("ClusterParameterGroup")
		w.str("ParameterGroupName", g.ParameterGroupName)
		w.str("ParameterApplyStatus", g.ParameterApplyStatus)
		list(w, "ClusterParameterStatusList", g.ClusterParameterStatusList, func(p types.ClusterParameterStatus) {
			w.open("member")
			w.str("ParameterName", p.ParameterName)
			w.str("ParameterApplyStatus", p.ParameterApplyStatus)
			w.str("ParameterApplyErrorDescription", p.ParameterApplyErrorDescription)
			w.close("member")
		})
		w.close("ClusterParameterGroup")
	})
	w.str("ClusterSubnetGroupName", c.ClusterSubnetGroupName)
	w.str("VpcId", c.VpcId)
	w.str("AvailabilityZone", c.AvailabilityZone)
	w.str("PreferredMaintenanceWindow", c.PreferredMaintenanceWindow)
	if p := c.PendingModifiedValues; p != nil {
		var inner xw
		inner.str("MasterUserPassword", p.MasterUserPassword)
		inner.str("NodeType", p.NodeType)
		inner.i32("NumberOfNodes", p.NumberOfNodes)
		inner.str("ClusterType", p.ClusterType)
		inner.str("ClusterVersion", p.ClusterVersion)
		inner.i32("AutomatedSnapshotRetentionPeriod", p.AutomatedSnapshotRetentionPeriod)
		inner.str("ClusterIdentifier", p.ClusterIdentifier)
		inner.boolean("PubliclyAccessible", p.PubliclyAccessible)
		inner.boolean("EnhancedVpcRouting", p.EnhancedVpcRouting)
		inner.str("MaintenanceTrackName", p.MaintenanceTrackName)
		inner.str("EncryptionType", p.EncryptionType)
		if inner.Len() == 0 {
			w.empty("PendingModifiedValues")
		} else {
			w.open("PendingModifiedValues")
			w.Write(inner.Bytes())
			w.close("PendingModifiedValues")
		}
	}
	w.str("ClusterVersion", c.ClusterVersion)
	w.boolean("AllowVersionUpgrade", c.AllowVersionUpgrade)
	w.i32("NumberOfNodes", c.NumberOfNodes)
	w.boolean("PubliclyAccessible", c.PubliclyAccessible)
	w.boolean("Encrypted", c.Encrypted)
	w.str("ClusterPublicKey", c.ClusterPublicKey)
	list(w, "ClusterNodes", c.ClusterNodes, func(n types.ClusterNode) {
		w.open("member")
		w.str("NodeRole", n.NodeRole)
		w.str("PrivateIPAddress", n.PrivateIPAddress)
		w.str("PublicIPAddress", n.PublicIPAddress)
		w.close("member")
	})
	w.str("ClusterRevisionNumber", c.ClusterRevisionNumber)
	list(w, "Tags", c.Tags, func(t types.Tag) {
		w.open("Tag")
		w.str("Key", t.Key)
		w.str("Value", t.Value)
		w.close("Tag")
	})
	w.str("KmsKeyId", c.KmsKeyId)
	w.boolean("EnhancedVpcRouting", c.EnhancedVpcRouting)
	list(w, "IamRoles", c.IamRoles, func(r types.ClusterIamRole) {
		w.open("ClusterIamRole")
		w.str("IamRoleArn", r.IamRoleArn)
		w.str("ApplyStatus", r.ApplyStatus)
		w.close("ClusterIamRole")
	})
	list(w, "PendingActions", c.PendingActions, func(a string) { w.text("member", a) })
	w.str("MaintenanceTrackName", c.MaintenanceTrackName)
	w.str("ElasticResizeNumberOfNodeOptions", c.ElasticResizeNumberOfNodeOptions)
	list(w, "DeferredMaintenanceWindows", c.DeferredMaintenanceWindows, func(d types.DeferredMaintenanceWindow) {
		w.open("DeferredMaintenanceWindow")
		w.str("DeferMaintenanceIdentifier", d.DeferMaintenanceIdentifier)
		w.ts("DeferMaintenanceStartTime", d.DeferMaintenanceStartTime)
		w.ts("DeferMaintenanceEndTime", d.DeferMaintenanceEndTime)
		w.close("DeferredMaintenanceWindow")
	})
	w.str("SnapshotScheduleIdentifier", c.SnapshotScheduleIdentifier)
	w.enum("SnapshotScheduleState", string(c.SnapshotScheduleState))
	w.ts("ExpectedNextSnapshotScheduleTime", c.ExpectedNextSnapshotScheduleTime)
	w.str("ExpectedNextSnapshotScheduleTimeStatus", c.ExpectedNextSnapshotScheduleTimeStatus)
	w.ts("NextMaintenanceWindowStartTime", c.NextMaintenanceWindowStartTime)
	if ri := c.ResizeInfo; ri != nil {
		w.open("ResizeInfo")
		w.str("ResizeType", ri.ResizeType)
		w.boolean("AllowCancelResize", ri.AllowCancelResize)
		w.close("ResizeInfo")
	}
	w.str("AvailabilityZoneRelocationStatus", c.AvailabilityZoneRelocationStatus)
	w.str("ClusterNamespaceArn", c.ClusterNamespaceArn)
	w.i64("TotalStorageCapacityInMegaBytes", c.TotalStorageCapacityInMegaBytes)
	if a := c.AquaConfiguration; a != nil {
		w.open("AquaConfiguration")
		w.enum("AquaStatus", string(a.AquaStatus))
		w.enum("AquaConfigurationStatus", string(a.AquaConfigurationStatus))
		w.close("AquaConfiguration")
	}
	w.str("DefaultIamRoleArn", c.DefaultIamRoleArn)
	w.str("CustomDomainName", c.CustomDomainName)
	w.str("CustomDomainCertificateArn", c.CustomDomainCertificateArn)
	w.ts("CustomDomainCertificateExpiryDate", c.CustomDomainCertificateExpiryDate)
	w.str("MasterPasswordSecretArn", c.MasterPasswordSecretArn)
	w.str("MasterPasswordSecretKmsKeyId", c.MasterPasswordSecretKmsKeyId)
	w.str("IpAddressType", c.IpAddressType)
	w.str("MultiAZ", c.MultiAZ)
	w.close("Cluster")
}

// writeResult writes a success envelope around the result body without
// copying the body again.
func writeResult(hw http.ResponseWriter, namespace, op, reqID string, result []byte) {
	var head, tail xw
	head.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	head.WriteString("<" + op + `Response xmlns="` + namespace + `">`)
	if len(result) == 0 {
		head.empty(op + "Result")
	} else {
		head.open(op + "Result")
		tail.close(op + "Result")
	}
	tail.open("ResponseMetadata")
	tail.text("RequestId", reqID)
	tail.close("ResponseMetadata")
	tail.close(op + "Response")
	hw.Header().Set("Content-Type", "text/xml")
	hw.Header().Set("Content-Length", strconv.Itoa(head.Len()+len(result)+tail.Len()))
	hw.WriteHeader(200)
	_, _ = hw.Write(head.Bytes())
	_, _ = hw.Write(result)
	_, _ = hw.Write(tail.Bytes())
}

// writeError writes an ErrorResponse.
func writeError(hw http.ResponseWriter, namespace, reqID string, e *apiError) {
	var w xw
	w.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	w.WriteString(`<ErrorResponse xmlns="` + namespace + `">`)
	w.open("Error")
	w.text("Type", e.Type)
	w.text("Code", e.Code)
	w.text("Message", e.Message)
	w.close("Error")
	w.text("RequestId", reqID)
	w.close("ErrorResponse")
	hw.Header().Set("Content-Type", "text/xml")
	hw.Header().Set("Content-Length", strconv.Itoa(w.Len()))
	hw.WriteHeader(e.Status)
	_, _ = hw.Write(w.Bytes())
}
