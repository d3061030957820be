package inventory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/redshift/types"
	"github.com/aws/smithy-go"

	"rolegate/redshiftsim"
)

var sweepTestRegions = []string{"us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"}

// recorder is an http.RoundTripper that keeps the body of every response
// it carries, so that a test can decode the same bytes two ways.
type recorder struct {
	rt     http.RoundTripper
	mu     sync.Mutex
	bodies [][]byte
	bodyOf map[string][]byte // by x-amzn-RequestId
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.rt.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	r.mu.Lock()
	r.bodies = append(r.bodies, b)
	if r.bodyOf == nil {
		r.bodyOf = map[string][]byte{}
	}
	r.bodyOf[resp.Header.Get("x-amzn-RequestId")] = b
	r.mu.Unlock()
	return resp, nil
}

func (r *recorder) last() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bodies[len(r.bodies)-1]
}

// spice adds to a generated world what Generate leaves out: roles in
// every ApplyStatus, tags with XML-special and non-ASCII characters, and
// clusters being modified.
func spice(w []redshiftsim.Seed) {
	statuses := []string{"", redshiftsim.RoleInSync, redshiftsim.RoleAdding, redshiftsim.RoleRemoving}
	for i := range w {
		c := &w[i].Cluster
		for j := range c.Roles {
			c.Roles[j].Status = statuses[(i+j)%len(statuses)]
		}
		switch i % 5 {
		case 0:
			c.Tags[`owner&<>"'`] = `a&b<c>"d"'e' ]]> tab	new
line ünïcödé €𝄞`
		case 1:
			c.Tags["empty"] = ""
			c.Tags["cdata"] = "<![CDATA[x]]>"
		case 2:
			if c.Status == "" {
				c.Status = redshiftsim.StatusModifying
			}
		}
	}
}

// sweepWorld serves a world from the simulator, with roles kept adding and
// removing and two clusters kept creating (pending modified values, no
// endpoint), and returns a gateway whose calls are recorded.
func sweepWorld(t testing.TB, seeds []redshiftsim.Seed) (*Gateway, *recorder, *bytes.Buffer) {
	t.Helper()
	sim := redshiftsim.New(redshiftsim.Options{RoleDelay: time.Hour, StateDelay: time.Hour})
	if err := sim.Load(seeds); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	rec := &recorder{rt: http.DefaultTransport}
	var logs bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	g, err := New(context.Background(), Options{
		Regions: sweepTestRegions, Endpoint: srv.URL,
		TTL: time.Hour, Timeout: time.Minute, Logger: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range g.lay.Load().places {
		r.client = redshift.New(r.client.Options(), func(o *redshift.Options) { o.HTTPClient = &http.Client{Transport: rec} })
	}
	for i, region := range sweepTestRegions[:2] {
		_, err := g.lay.Load().regions[region].client.CreateCluster(context.Background(), &redshift.CreateClusterInput{
			ClusterIdentifier: aws.String(fmt.Sprintf("zz-creating-%d", i)), NodeType: aws.String("ra3.xlplus"),
			MasterUsername: aws.String("awsuser"), MasterUserPassword: aws.String("Secret123!"),
			NumberOfNodes: aws.Int32(2),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return g, rec, &logs
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestSweepDecoderMatchesSDK decodes every DescribeClusters page of
// several worlds with the SDK and with the sweep's decoder, from the same
// bytes, and requires the sweep's clusters to equal summary() of the
// SDK's, member for member, with the same Marker and request ID.
func TestSweepDecoderMatchesSDK(t *testing.T) {
	worlds := map[string][]redshiftsim.Seed{"demo": redshiftsim.DemoWorld().SeedsIn(redshiftsim.Account)}
	for _, seed := range []int64{1, 2, 3, 7} {
		w := redshiftsim.Generate(450, sweepTestRegions, seed)
		spice(w)
		worlds[fmt.Sprintf("generate-%d", seed)] = w
	}
	for name, seeds := range worlds {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			g, rec, _ := sweepWorld(t, seeds)
			seen := map[string]bool{}
			clusters := 0
			for _, region := range sweepTestRegions {
				p := redshift.NewDescribeClustersPaginator(g.lay.Load().regions[region].client, &redshift.DescribeClustersInput{MaxRecords: aws.Int32(PageSize)})
				for p.HasMorePages() {
					sdk, err := p.NextPage(ctx)
					if err != nil {
						t.Fatal(err)
					}
					body := rec.last()
					fast, reqID, err := decodeSweepPage(body)
					if err != nil {
						t.Fatalf("%s: sweep decoder: %v", region, err)
					}
					if want := requestIDOfResult(sdk.ResultMetadata); reqID != want || reqID == "" {
						t.Errorf("request ID %q, SDK %q", reqID, want)
					}
					if !reflect.DeepEqual(fast.Marker, sdk.Marker) {
						t.Errorf("marker %v, SDK %v", aws.ToString(fast.Marker), aws.ToString(sdk.Marker))
					}
					if len(fast.Clusters) != len(sdk.Clusters) {
						t.Fatalf("%d clusters, SDK %d", len(fast.Clusters), len(sdk.Clusters))
					}
					for i := range sdk.Clusters {
						want := summary(&sdk.Clusters[i])
						if !reflect.DeepEqual(&fast.Clusters[i], want) {
							t.Errorf("%s: sweep decoder gave\n%#v\nSDK summary\n%#v", aws.ToString(want.ClusterIdentifier), fast.Clusters[i], *want)
						}
						noteFeatures(seen, want)
						clusters++
					}
				}
			}
			if clusters != len(seeds)+2 {
				t.Errorf("%d clusters compared, want %d", clusters, len(seeds)+2)
			}
			if strings.HasPrefix(name, "generate") {
				for _, f := range []string{"adding", "removing", "in-sync", "paused", "modifying", "creating", "special-tag", "no-endpoint", "default-role", "empty-tag"} {
					if !seen[f] {
						t.Errorf("world has no cluster with %s", f)
					}
				}
			}
		})
	}
}

func noteFeatures(seen map[string]bool, c *types.Cluster) {
	for _, r := range c.IamRoles {
		seen[aws.ToString(r.ApplyStatus)] = true
	}
	seen[aws.ToString(c.ClusterStatus)] = true
	for _, tg := range c.Tags {
		if strings.ContainsAny(aws.ToString(tg.Key), `&<>"'`) && strings.ContainsAny(aws.ToString(tg.Value), "&<>\"'\n€") {
			seen["special-tag"] = true
		}
		if aws.ToString(tg.Value) == "" {
			seen["empty-tag"] = true
		}
	}
	if c.Endpoint == nil {
		seen["no-endpoint"] = true
	}
	if c.DefaultIamRoleArn != nil {
		seen["default-role"] = true
	}
}

// TestSweepUsesDecoder runs the gateway's sweep (the decoder installed in
// the SDK's stack) and checks that every page took the fast path and that
// each cached cluster is summary() of the SDK's decoding of its page.
func TestSweepUsesDecoder(t *testing.T) {
	seeds := redshiftsim.Generate(700, sweepTestRegions, 5)
	spice(seeds)
	g, rec, logs := sweepWorld(t, seeds)
	inv, err := g.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Clusters) != len(seeds)+2 {
		t.Fatalf("%d clusters, want %d", len(inv.Clusters), len(seeds)+2)
	}
	if strings.Contains(logs.String(), "left to the SDK") {
		t.Errorf("a page fell back to the SDK's decoder:\n%s", logs)
	}
	// The SDK's own decoding of the very pages the sweep read.
	want := map[string]*types.Cluster{}
	rec.mu.Lock()
	bodies := slicesClone(rec.bodies)
	rec.mu.Unlock()
	for _, b := range bodies {
		if !bytes.Contains(b, []byte("<DescribeClustersResult>")) {
			continue // CreateCluster
		}
		out := sdkDecode(t, b)
		for i := range out.Clusters {
			want[aws.ToString(out.Clusters[i].ClusterIdentifier)] = summary(&out.Clusters[i])
		}
	}
	for _, c := range inv.Clusters {
		if !c.Summary || !reflect.DeepEqual(c.API, want[c.ID]) {
			t.Errorf("%s/%s: cached %#v, SDK summary %#v", c.Region, c.ID, c.API, want[c.ID])
		}
	}
}

func slicesClone(b [][]byte) [][]byte { return append([][]byte(nil), b...) }

// sdkDecode decodes a DescribeClusters response body with the SDK alone:
// the real client, whose transport answers with these bytes.
func sdkDecode(t testing.TB, body []byte) *redshift.DescribeClustersOutput {
	t.Helper()
	out, err := sdkDecodeErr(body)
	if err != nil {
		t.Fatalf("SDK decoder: %v", err)
	}
	return out
}

type cannedTransport []byte

func (c cannedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{
		StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"text/xml"}, "X-Amzn-Requestid": {"canned"}},
		Body:          io.NopCloser(bytes.NewReader(c)),
		ContentLength: int64(len(c)), Request: req,
	}, nil
}

var cannedClient = sync.OnceValue(func() *redshift.Client {
	return redshift.New(redshift.Options{
		Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:1"),
		Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1,
	})
})

func sdkDecodeErr(body []byte) (*redshift.DescribeClustersOutput, error) {
	return cannedClient().DescribeClusters(context.Background(), &redshift.DescribeClustersInput{},
		func(o *redshift.Options) { o.HTTPClient = &http.Client{Transport: cannedTransport(body)} })
}

func sweepDecodeCanned(body []byte) (*redshift.DescribeClustersOutput, error) {
	return cannedClient().DescribeClusters(context.Background(), &redshift.DescribeClustersInput{},
		withSweepDecoder(slog.New(slog.DiscardHandler)),
		func(o *redshift.Options) { o.HTTPClient = &http.Client{Transport: cannedTransport(body)} })
}

// edgeDocs are DescribeClusters bodies at the edges of what the decoder
// accepts: some it reads, some it must leave to the SDK.
var edgeDocs = []string{
	`<DescribeClustersResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/"><DescribeClustersResult><Clusters/></DescribeClustersResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></DescribeClustersResponse>`,
	`<?xml version="1.0" encoding="UTF-8"?>
<DescribeClustersResponse><DescribeClustersResult>
  <Clusters>
    <Cluster>
      <ClusterIdentifier>a&amp;b&#38;c&#x26;&lt;&gt;&apos;&quot;</ClusterIdentifier>
      <NodeType/>
      <NumberOfNodes>+3</NumberOfNodes>
      <Encrypted>True</Encrypted>
      <PubliclyAccessible>0</PubliclyAccessible>
      <ClusterCreateTime>2019-12-27T17:48:01.504+00:00</ClusterCreateTime>
      <Endpoint><Address>x</Address></Endpoint>
      <Endpoint><Port>5439</Port><VpcEndpoints><VpcEndpoint><VpcId>v</VpcId></VpcEndpoint></VpcEndpoints></Endpoint>
      <Tags><Tag><Key>k</Key></Tag><Junk/>text<Tag/></Tags>
      <Tags><Tag><Value>v2</Value><Key>k2</Key></Tag></Tags>
      <IamRoles><ClusterIamRole><IamRoleArn>arn</IamRoleArn><ApplyStatus>adding</ApplyStatus><Other>x</Other></ClusterIamRole><member/></IamRoles>
      <PendingActions><member>one</member><member/><other>x</other></PendingActions>
      <ClusterNodes><member><NodeRole>LEADER</NodeRole></member></ClusterNodes>
      <PendingModifiedValues/>
      <MultiAZ>Disabled</MultiAZ>
      <MultiAZ>Enabled</MultiAZ>
    </Cluster>
    <Cluster/>
    <NotACluster><Cluster/></NotACluster>
  </Clusters>
  <Marker>m&#xA;k</Marker>
</DescribeClustersResult><ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></DescribeClustersResponse>`,
	`<R><Other><DescribeClustersResult/></Other><DescribeClustersResult/></R>`,
	`<R><DescribeClustersResult><Clusters><Cluster><ClusterIdentifier>x</ClusterIdentifier></Cluster></Clusters></DescribeClustersResult>trailing <junk`,
	// Every member of clusterMembers set (the simulator never sets ModifyStatus).
	`<DescribeClustersResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/"><DescribeClustersResult><Clusters><Cluster>` +
		`<ClusterIdentifier>every</ClusterIdentifier><NodeType>ra3.xlplus</NodeType><ClusterStatus>available</ClusterStatus>` +
		`<ClusterAvailabilityStatus>Modifying</ClusterAvailabilityStatus><ModifyStatus>modifying-iam-roles</ModifyStatus><DBName>dev</DBName>` +
		`<ClusterCreateTime>2024-05-01T12:34:56.789Z</ClusterCreateTime><VpcId>vpc-0a1b</VpcId><AvailabilityZone>us-east-1a</AvailabilityZone>` +
		`<PreferredMaintenanceWindow>sun:03:00-sun:03:30</PreferredMaintenanceWindow><ClusterVersion>1.0</ClusterVersion>` +
		`<NumberOfNodes>2</NumberOfNodes><PubliclyAccessible>false</PubliclyAccessible><Encrypted>true</Encrypted>` +
		`<KmsKeyId>arn:aws:kms:us-east-1:123456789012:key/k</KmsKeyId><Tags><Tag><Key>env</Key><Value>dev</Value></Tag></Tags>` +
		`<IamRoles><ClusterIamRole><IamRoleArn>arn:aws:iam::123456789012:role/R</IamRoleArn><ApplyStatus>adding</ApplyStatus></ClusterIamRole></IamRoles>` +
		`<PendingActions><member>a</member></PendingActions><DefaultIamRoleArn>arn:aws:iam::123456789012:role/R</DefaultIamRoleArn>` +
		`<ClusterNamespaceArn>arn:aws:redshift:us-east-1:123456789012:namespace:n</ClusterNamespaceArn><MultiAZ>Disabled</MultiAZ>` +
		`<Endpoint><Address>every.example</Address><Port>5439</Port><VpcEndpoints/></Endpoint><ClusterNodes/>` +
		`</Cluster></Clusters></DescribeClustersResult><ResponseMetadata><RequestId>r3</RequestId></ResponseMetadata></DescribeClustersResponse>`,
	// Left to the SDK:
	`<R><DescribeClustersResult><Clusters><Cluster><clusteridentifier>x</clusteridentifier></Cluster></Clusters></DescribeClustersResult></R>`,
	`<R><DescribeClustersResult><Clusters><Cluster><a:ClusterIdentifier xmlns:a="u">x</a:ClusterIdentifier></Cluster></Clusters></DescribeClustersResult></R>`,
	`<R><DescribeClustersResult><Clusters><Cluster><ClusterIdentifier><![CDATA[x]]></ClusterIdentifier></Cluster></Clusters></DescribeClustersResult></R>`,
	`<R><DescribeClustersResult><!-- c --><Clusters/></DescribeClustersResult></R>`,
	"<R><DescribeClustersResult><Marker>a\r\nb</Marker></DescribeClustersResult></R>",
	`<R><DescribeClustersResult><Marker>&nbsp;</Marker></DescribeClustersResult></R>`,
	`<R><DescribeClustersResult><Marker>&#0;</Marker></DescribeClustersResult></R>`,
	`<R><DescribeClustersResult><Clusters><Cluster><NumberOfNodes></NumberOfNodes></Cluster></Clusters></DescribeClustersResult></R>`,
	`<R><DescribeClustersResult><Clusters><Cluster><Encrypted>yes</Encrypted></Cluster></Clusters></DescribeClustersResult></R>`,
	`<R><DescribeClustersResult><Clusters><Cluster><ClusterCreateTime>0</ClusterCreateTime></Cluster></Clusters></DescribeClustersResult></R>`,
	`<R><DescribeClustersResult><Clusters><Cluster><ClusterIdentifier>x<b/></ClusterIdentifier></Cluster></Clusters></DescribeClustersResult></R>`,
	`<R><DescribeClustersResult><Clusters><Cluster></Clusters></DescribeClustersResult></R>`,
	`<R><DescribeClustersResult><Marker>a]]>b</Marker></DescribeClustersResult></R>`,
	"<R><DescribeClustersResult><Marker>\xff</Marker></DescribeClustersResult></R>",
	`<?xml version="1.0" encoding="ISO-8859-1"?><R/>`,
	`<R><Other/></R>`,
	``,
	`   `,
}

// TestSweepDecoderEdges compares, for each edge document, what the SDK
// makes of it (through the real client) with what a call with the sweep's
// decoder installed gives: the same clusters (summarised) and marker, or
// an error in both. The documents the decoder reads itself set every
// member of clusterMembers between them.
func TestSweepDecoderEdges(t *testing.T) {
	fastOK := 0
	seen := map[string]bool{}
	for i, doc := range edgeDocs {
		want, werr := sdkDecodeErr([]byte(doc))
		got, gerr := sweepDecodeCanned([]byte(doc))
		if (werr == nil) != (gerr == nil) {
			t.Errorf("doc %d: SDK error %v, with the sweep decoder %v", i, werr, gerr)
			continue
		}
		if werr != nil {
			continue
		}
		if !reflect.DeepEqual(summaries(got.Clusters), summaries(want.Clusters)) || !reflect.DeepEqual(got.Marker, want.Marker) {
			t.Errorf("doc %d: got %#v / %v, SDK %#v / %v", i, got.Clusters, aws.ToString(got.Marker), want.Clusters, aws.ToString(want.Marker))
		}
		if (got.Clusters == nil) != (want.Clusters == nil) {
			t.Errorf("doc %d: nil clusters differ", i)
		}
		if _, _, err := decodeSweepPage([]byte(doc)); err == nil {
			fastOK++
			for _, c := range summaries(want.Clusters) {
				noteMembers(seen, c)
			}
		}
	}
	if fastOK < 5 {
		t.Errorf("only %d edge documents read by the sweep decoder itself", fastOK)
	}
	for _, m := range clusterMembers {
		if !seen["member "+m.name] {
			t.Errorf("no edge document read by the sweep decoder sets member %s", m.name)
		}
	}
	// The ones meant to go to the SDK do.
	for _, doc := range edgeDocs[5:] {
		if _, _, err := decodeSweepPage([]byte(doc)); err == nil {
			t.Errorf("sweep decoder accepted %q", doc)
		}
	}
}

func summaries(cs []types.Cluster) []*types.Cluster {
	var out []*types.Cluster
	for i := range cs {
		out = append(out, summary(&cs[i]))
	}
	return out
}

// FuzzSweepDecoder feeds arbitrary bytes to the sweep's decoder: it must
// not panic, must give either an error or a result, and when both it and
// the SDK's decoder accept a body they must agree.
func FuzzSweepDecoder(f *testing.F) {
	for _, d := range edgeDocs {
		f.Add([]byte(d))
	}
	seeds := redshiftsim.Generate(30, sweepTestRegions[:1], 1)
	spice(seeds)
	g, rec, _ := sweepWorld(f, seeds)
	if _, err := g.lay.Load().regions[sweepTestRegions[0]].client.DescribeClusters(context.Background(), &redshift.DescribeClustersInput{MaxRecords: aws.Int32(20)}); err != nil {
		f.Fatal(err)
	}
	f.Add(rec.last())
	f.Fuzz(func(t *testing.T, body []byte) {
		out, reqID, err := decodeSweepPage(body)
		if err != nil {
			if out != nil || reqID != "" {
				t.Fatal("result and error")
			}
			return
		}
		if out == nil {
			t.Fatal("neither result nor error")
		}
		want, werr := sdkDecodeErr(body)
		if werr != nil {
			// Lenient only about members the sweep drops.
			return
		}
		if !reflect.DeepEqual(summaries(out.Clusters), summaries(want.Clusters)) || !reflect.DeepEqual(out.Marker, want.Marker) {
			t.Fatalf("sweep decoder %#v / %v, SDK %#v / %v", out.Clusters, aws.ToString(out.Marker), want.Clusters, aws.ToString(want.Marker))
		}
	})
}

// BenchmarkSweepDecoder decodes one page of 100 clusters as the simulator
// renders it, with the sweep's decoder and with the SDK's.
//
//	go test -run '^$' -bench SweepDecoder ./internal/inventory/
func BenchmarkSweepDecoder(b *testing.B) {
	seeds := redshiftsim.Generate(400, sweepTestRegions, 1)
	g, rec, _ := sweepWorld(b, seeds)
	if _, err := g.lay.Load().regions["us-east-1"].client.DescribeClusters(context.Background(), &redshift.DescribeClustersInput{MaxRecords: aws.Int32(PageSize)}); err != nil {
		b.Fatal(err)
	}
	page := rec.last()
	b.Run("sweep", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := decodeSweepPage(page); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sdk", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			sdkDecode(b, page)
		}
	})
}

// TestSweepErrorsStayTypedAndRetried: with the sweep's decoder installed,
// error responses still go through the SDK's error decoder (typed API
// errors with their request IDs) and its retryer.
func TestSweepErrorsStayTypedAndRetried(t *testing.T) {
	ctx := context.Background()
	seeds := redshiftsim.Generate(300, sweepTestRegions, 3)
	sim := redshiftsim.New(redshiftsim.Options{})
	if err := sim.Load(seeds); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	g, err := New(ctx, Options{Regions: sweepTestRegions, Endpoint: srv.URL, Timeout: time.Minute, MaxBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}

	// Two throttled calls and a 500 in one region: retried, the sweep completes.
	sim.SetFaults(
		redshiftsim.Fault{Op: "DescribeClusters", Region: "eu-west-1", Kind: "throttle", Next: 2},
		redshiftsim.Fault{Op: "DescribeClusters", Region: "us-east-1", Kind: "internal", Next: 1},
	)
	sim.ResetStats()
	inv, err := g.List(ctx)
	if err != nil || len(inv.Clusters) != len(seeds) {
		t.Fatalf("%d clusters, %v", len(inv.Clusters), err)
	}
	st := sim.Stats()
	if e := st.Errors("DescribeClusters", "eu-west-1"); e != 2 {
		t.Errorf("eu-west-1: %d errors answered, want the 2 throttled", e)
	}
	if e := st.Errors("DescribeClusters", "us-east-1"); e != 1 {
		t.Errorf("us-east-1: %d errors answered, want 1", e)
	}

	// A region answering 503 throughout: every attempt made, the error typed.
	sim.SetFaults(redshiftsim.Fault{Op: "DescribeClusters", Region: "ap-southeast-2", Kind: "unavailable", Rate: 1})
	sim.ResetStats()
	g.Refresh("")
	_, err = g.List(ctx)
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ServiceUnavailable" {
		t.Fatalf("error %v, want a typed ServiceUnavailable", err)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusServiceUnavailable || RequestIDOf(err) == "" {
		t.Errorf("error %v: no 503 response error with a request ID", err)
	}
	if n := sim.Stats().Calls("DescribeClusters", "ap-southeast-2"); n != ReadAttempts {
		t.Errorf("%d attempts, want %d", n, ReadAttempts)
	}
	var rerr *RegionError
	if !errors.As(err, &rerr) || rerr.Region != "ap-southeast-2" {
		t.Errorf("error %v names no region", err)
	}
}
