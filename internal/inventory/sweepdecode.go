package inventory

import (
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/redshift/types"
	smithytime "github.com/aws/smithy-go/time"
)

// decodeSweepPage reads a DescribeClusters response body into the members
// summary keeps, plus the Marker and the RequestId of the body. It is the
// sweep's replacement for the SDK's decoder, which builds every member of
// every Cluster through encoding/xml and costs most of a cold sweep.
//
// It is a byte-level scanner that accepts only what it fully understands
// and gives the same values the SDK's decoder would for it: element names
// matched exactly, entities (the five named ones and numeric references)
// decoded, text checked for UTF-8 and the XML character range, end tags
// matched, unknown elements skipped, numbers, booleans and timestamps
// parsed by the same functions as the SDK's. Anything else
// (comments, CDATA, DOCTYPE, prefixed or non-ASCII element names, a kept
// member spelled in another letter case, a raw carriage return, an
// unusual XML declaration, a malformed value) is an error, on which the
// caller hands the same bytes to the SDK's decoder, so that such a
// response is decoded, or rejected, exactly as before.
//
// The one difference left: the SDK also parses and checks the members the
// sweep drops, so a response whose dropped members are malformed (a
// number that is not one, or, where jump skips them, bad XML inside)
// fails the SDK but not this decoder. On well-formed responses the two
// agree (TestSweepDecoderMatchesSDK, FuzzSweepDecoder).
func decodeSweepPage(body []byte) (*redshift.DescribeClustersOutput, string, error) {
	s := sweepScanner{b: body}
	out, reqID, err := s.document()
	if err != nil {
		return nil, "", err
	}
	return out, reqID, nil
}

// document reads the whole response: the root element, within it
// DescribeClustersResult, and after that the RequestId of
// ResponseMetadata if it can.
func (s *sweepScanner) document() (*redshift.DescribeClustersOutput, string, error) {
	s.spaces()
	if s.i < len(s.b) && s.b[s.i] == '<' && len(s.b) > s.i+1 && s.b[s.i+1] == '?' {
		ok := false
		for _, d := range xmlDecls {
			if strings.HasPrefix(string(s.b[s.i:min(len(s.b), s.i+len(d))]), d) {
				s.i += len(d)
				ok = true
				break
			}
		}
		if !ok {
			return nil, "", s.fail("unexpected XML declaration")
		}
		s.spaces()
	}
	if s.i >= len(s.b) || s.b[s.i] != '<' {
		return nil, "", s.fail("no root element")
	}
	tok, root, err := s.next()
	if err != nil {
		return nil, "", err
	}
	if tok != tokStart {
		return nil, "", s.fail("root element expected")
	}
	out := &redshift.DescribeClustersOutput{}
	for {
		tok, name, err := s.next()
		if err != nil {
			return nil, "", err
		}
		if tok == tokEnd {
			if string(name) != string(root) {
				return nil, "", s.fail("mismatched end tag")
			}
			return nil, "", s.fail("DescribeClustersResult not found")
		}
		if string(name) == "DescribeClustersResult" {
			if tok == tokStart {
				if err := s.result(out, name); err != nil {
					return nil, "", err
				}
			}
			break
		}
		if err := s.other(tok, name, "DescribeClustersResult"); err != nil {
			return nil, "", err
		}
	}
	// The SDK stops reading here; the request ID is read if the rest is
	// in order, and the HTTP header carries it anyway.
	return out, s.requestID(root), nil
}

// requestID looks for ResponseMetadata/RequestId among the root's
// remaining children; it returns "" on anything unexpected.
func (s *sweepScanner) requestID(root []byte) string {
	for {
		tok, name, err := s.next()
		if err != nil || tok == tokEnd {
			return ""
		}
		if string(name) != "ResponseMetadata" || tok != tokStart {
			if s.skip(tok, name) != nil {
				return ""
			}
			continue
		}
		for {
			tok, name, err := s.next()
			if err != nil || tok == tokEnd {
				return ""
			}
			if string(name) == "RequestId" {
				v, err := s.value(tok, name, false)
				if err != nil {
					return ""
				}
				return v
			}
			if s.skip(tok, name) != nil {
				return ""
			}
		}
	}
}

func (s *sweepScanner) result(out *redshift.DescribeClustersOutput, parent []byte) error {
	for {
		tok, name, err := s.next()
		if err != nil {
			return err
		}
		if tok == tokEnd {
			return s.closes(name, parent)
		}
		switch string(name) {
		case "Clusters":
			if out.Clusters == nil {
				out.Clusters = make([]types.Cluster, 0, PageSize)
			}
			if tok == tokStart {
				if err := s.clusters(&out.Clusters, name); err != nil {
					return err
				}
			}
		case "Marker":
			v, err := s.value(tok, name, false)
			if err != nil {
				return err
			}
			out.Marker = s.str(v)
		default:
			if err := s.other(tok, name, "Clusters", "Marker"); err != nil {
				return err
			}
		}
	}
}

func (s *sweepScanner) clusters(list *[]types.Cluster, parent []byte) error {
	for {
		tok, name, err := s.next()
		if err != nil {
			return err
		}
		if tok == tokEnd {
			return s.closes(name, parent)
		}
		if string(name) != "Cluster" {
			if err := s.other(tok, name, "Cluster"); err != nil {
				return err
			}
			continue
		}
		*list = append(*list, types.Cluster{})
		if tok == tokStart {
			if err := s.cluster(&(*list)[len(*list)-1], name); err != nil {
				return err
			}
		}
	}
}

// cluster reads one Cluster: the members of clusterMembers through their
// readers, every other member skipped.
func (s *sweepScanner) cluster(c *types.Cluster, parent []byte) error {
	for {
		tok, name, err := s.next()
		if err != nil {
			return err
		}
		if tok == tokEnd {
			return s.closes(name, parent)
		}
		if i, ok := clusterMemberIndex[string(name)]; ok {
			if err := clusterMembers[i].read(s, c, tok, name); err != nil {
				return err
			}
			continue
		}
		if err := s.other(tok, name, clusterMemberNames...); err != nil {
			return err
		}
	}
}

// The readers of clusterMembers: each reads the member whose start tag
// (tok, name) was just read into the field p points to.

// readText reads a string member; shared strings (statuses, node types,
// role ARNs) are interned within the page.
func readText(shared bool) func(*sweepScanner, token, []byte, **string) error {
	return func(s *sweepScanner, tok token, name []byte, p **string) error {
		v, err := s.value(tok, name, shared)
		if err != nil {
			return err
		}
		*p = s.str(v)
		return nil
	}
}

func readInt32(s *sweepScanner, tok token, name []byte, p **int32) error {
	v, err := s.value(tok, name, false)
	if err != nil {
		return err
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return s.fail("bad integer")
	}
	*p = s.int32(int32(n))
	return nil
}

func readBool(s *sweepScanner, tok token, name []byte, p **bool) error {
	v, err := s.value(tok, name, false)
	if err != nil {
		return err
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return s.fail("bad boolean")
	}
	*p = s.bool(b)
	return nil
}

func readTime(s *sweepScanner, tok token, name []byte, p **time.Time) error {
	v, err := s.value(tok, name, false)
	if err != nil {
		return err
	}
	t, err := smithytime.ParseDateTime(v)
	if err != nil {
		return s.fail("bad timestamp")
	}
	*p = s.time(t)
	return nil
}

func readEndpoint(s *sweepScanner, tok token, name []byte, p **types.Endpoint) error {
	if *p == nil {
		*p = &types.Endpoint{}
	}
	if tok == tokStart {
		return s.endpoint(*p, name)
	}
	return nil
}

func readTags(s *sweepScanner, tok token, name []byte, p *[]types.Tag) error {
	if *p == nil {
		*p = make([]types.Tag, 0, 4)
	}
	if tok == tokStart {
		return pairList(s, p, name, "Tag", "Key", "Value", func(t *types.Tag) (**string, **string) { return &t.Key, &t.Value })
	}
	return nil
}

func readRoles(s *sweepScanner, tok token, name []byte, p *[]types.ClusterIamRole) error {
	if *p == nil {
		*p = make([]types.ClusterIamRole, 0, 4)
	}
	if tok == tokStart {
		return pairList(s, p, name, "ClusterIamRole", "IamRoleArn", "ApplyStatus", func(r *types.ClusterIamRole) (**string, **string) { return &r.IamRoleArn, &r.ApplyStatus })
	}
	return nil
}

func readMembers(s *sweepScanner, tok token, name []byte, p *[]string) error {
	if *p == nil {
		*p = make([]string, 0)
	}
	if tok == tokStart {
		return s.members(p, name)
	}
	return nil
}

func (s *sweepScanner) endpoint(e *types.Endpoint, parent []byte) error {
	for {
		tok, name, err := s.next()
		if err != nil {
			return err
		}
		if tok == tokEnd {
			return s.closes(name, parent)
		}
		switch string(name) {
		case "Address":
			v, err := s.value(tok, name, false)
			if err != nil {
				return err
			}
			e.Address = s.str(v)
		case "Port":
			v, err := s.value(tok, name, true)
			if err != nil {
				return err
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return s.fail("bad integer")
			}
			e.Port = s.int32(int32(n))
		default:
			if err := s.other(tok, name, "Address", "Port"); err != nil {
				return err
			}
		}
	}
}

// pairList reads a list of two-string structures (Tags of Tag, IamRoles of
// ClusterIamRole); fields names where the two members of one item go.
func pairList[T any](s *sweepScanner, list *[]T, parent []byte, member, an, bn string, fields func(*T) (a, b **string)) error {
	for {
		tok, name, err := s.next()
		if err != nil {
			return err
		}
		if tok == tokEnd {
			return s.closes(name, parent)
		}
		if string(name) != member {
			if err := s.other(tok, name, member); err != nil {
				return err
			}
			continue
		}
		var item T
		if tok == tokStart {
			a, b := fields(&item)
			if err := s.pair(name, an, bn, a, b); err != nil {
				return err
			}
		}
		*list = append(*list, item)
	}
}

// pair reads a structure of two string members (Tag, ClusterIamRole).
func (s *sweepScanner) pair(parent []byte, an, bn string, a, b **string) error {
	for {
		tok, name, err := s.next()
		if err != nil {
			return err
		}
		if tok == tokEnd {
			return s.closes(name, parent)
		}
		var p **string
		switch string(name) {
		case an:
			p = a
		case bn:
			p = b
		default:
			if err := s.other(tok, name, an, bn); err != nil {
				return err
			}
			continue
		}
		v, err := s.value(tok, name, true)
		if err != nil {
			return err
		}
		*p = s.str(v)
	}
}

func (s *sweepScanner) members(list *[]string, parent []byte) error {
	for {
		tok, name, err := s.next()
		if err != nil {
			return err
		}
		if tok == tokEnd {
			return s.closes(name, parent)
		}
		if string(name) != "member" {
			if err := s.other(tok, name, "member"); err != nil {
				return err
			}
			continue
		}
		v, err := s.value(tok, name, true)
		if err != nil {
			return err
		}
		*list = append(*list, v)
	}
}
