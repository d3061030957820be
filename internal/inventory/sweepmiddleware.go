package inventory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/redshift/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// operationDeserializer is the ID under which the SDK registers an
// operation's response decoder in the Deserialize step.
const operationDeserializer = "OperationDeserializer"

// withSweepDecoder makes one DescribeClusters call decode a successful
// response with decodeSweepPage instead of the SDK's decoder. Everything
// else stays the SDK's: signing, retries, endpoints, the request ID from
// the header, and the decoding of error responses (so throttling and
// server errors arrive typed and are retried as before). A body the
// scanner does not accept goes to the SDK's decoder unchanged.
//
// With a non-nil later, the clusters of a body the scanner accepts are
// not read during the call: the output holds only the Marker, and later
// gets the body, for the caller to read while it asks for the next page.
func withSweepDecoder(log *slog.Logger, later *laterPage) func(*redshift.Options) {
	return func(o *redshift.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			m := &sweepDeserializer{log: log, later: later}
			sdk, err := st.Deserialize.Swap(operationDeserializer, m)
			if err != nil {
				return fmt.Errorf("inventory: installing the sweep decoder: %w", err)
			}
			m.sdk = sdk
			return nil
		})
	}
}

// sweepDeserializer stands in the SDK's place for DescribeClusters and
// delegates to it (sdk) for everything but a successful body it can read.
type sweepDeserializer struct {
	sdk   middleware.DeserializeMiddleware
	log   *slog.Logger
	later *laterPage
}

// laterPage is a page whose clusters are still to be read.
type laterPage struct {
	page *sweepPage
	// sdk decodes the same body with the SDK's decoder.
	sdk func() (*redshift.DescribeClustersOutput, error)
}

// clusters reads the page's clusters. Should the scanner refuse them, the
// SDK's decoder reads the same bytes; its Marker must be the one the
// sweep went on with.
func (l *laterPage) clusters() ([]types.Cluster, error) {
	list, err := l.page.decode()
	if err == nil {
		return list, nil
	}
	out, err := l.sdk()
	if err != nil {
		return nil, err
	}
	if aws.ToString(out.Marker) != aws.ToString(l.page.marker) {
		return nil, errors.New("inventory: the page's marker read two ways differs")
	}
	return out.Clusters, nil
}

func (*sweepDeserializer) ID() string { return operationDeserializer }

var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (m *sweepDeserializer) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
	middleware.DeserializeOutput, middleware.Metadata, error,
) {
	if m.later != nil {
		// A retried call forgets what an earlier attempt left.
		*m.later = laterPage{}
	}
	out, md, err := next.HandleDeserialize(ctx, in)
	if err != nil {
		return out, md, err
	}
	// The SDK's decoder on the response as it came.
	sdk := func() (middleware.DeserializeOutput, middleware.Metadata, error) {
		return m.sdk.HandleDeserialize(ctx, in, middleware.DeserializeHandlerFunc(
			func(context.Context, middleware.DeserializeInput) (middleware.DeserializeOutput, middleware.Metadata, error) {
				return out, md, nil
			}))
	}
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	if !ok || resp.StatusCode < 200 || resp.StatusCode >= 300 || resp.Body == nil {
		return sdk()
	}
	buf := bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	if resp.ContentLength > 0 && resp.ContentLength < 64<<20 {
		buf.Grow(int(resp.ContentLength))
	}
	_, rerr := buf.ReadFrom(resp.Body)
	if rerr == nil && m.later != nil {
		pg, derr := scanSweepPage(buf.Bytes())
		if derr == nil {
			if pg.reqID != "" {
				awsmiddleware.SetRequestIDMetadata(&md, pg.reqID)
			}
			body, sdk := pg.body, m.sdk
			raw := *resp
			m.later.page = pg
			m.later.sdk = func() (*redshift.DescribeClustersOutput, error) {
				r := raw
				hr := *r.Response
				hr.Body = io.NopCloser(bytes.NewReader(body))
				r.Response = &hr
				o, _, err := sdk.HandleDeserialize(ctx, in, middleware.DeserializeHandlerFunc(
					func(context.Context, middleware.DeserializeInput) (middleware.DeserializeOutput, middleware.Metadata, error) {
						return middleware.DeserializeOutput{RawResponse: &r}, middleware.Metadata{}, nil
					}))
				if err != nil {
					return nil, err
				}
				res, _ := o.Result.(*redshift.DescribeClustersOutput)
				if res == nil {
					return nil, errors.New("inventory: no DescribeClusters output")
				}
				return res, nil
			}
			out.Result = &redshift.DescribeClustersOutput{Marker: pg.marker}
			return out, md, nil
		}
		m.log.Debug("inventory sweep: response left to the SDK's decoder", "err", derr)
	} else if rerr == nil {
		res, reqID, derr := decodeSweepPage(buf.Bytes())
		if derr == nil {
			bodyPool.Put(buf)
			if reqID != "" {
				// The RequestIDRetriever, outside this, replaces it with
				// the header's where there is one.
				awsmiddleware.SetRequestIDMetadata(&md, reqID)
			}
			out.Result = res
			return out, md, nil
		}
		m.log.Debug("inventory sweep: response left to the SDK's decoder", "err", derr)
	}
	// Replay what was read (and the read error, if any) to the SDK's
	// decoder; the buffer is not reused, the SDK may still hold it.
	var r io.Reader = bytes.NewReader(buf.Bytes())
	if rerr != nil {
		r = io.MultiReader(r, errReader{rerr})
	}
	resp.Body = replayBody{Reader: r, Closer: resp.Body}
	return sdk()
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// replayBody reads the replayed bytes and closes the original body.
type replayBody struct {
	io.Reader
	io.Closer
}
