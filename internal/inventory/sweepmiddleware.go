package inventory

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
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
func withSweepDecoder(log *slog.Logger) func(*redshift.Options) {
	return func(o *redshift.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			m := &sweepDeserializer{log: log}
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
	sdk middleware.DeserializeMiddleware
	log *slog.Logger
}

func (*sweepDeserializer) ID() string { return operationDeserializer }

var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (m *sweepDeserializer) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
	middleware.DeserializeOutput, middleware.Metadata, error,
) {
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
	if rerr == nil {
		res, reqID, derr := decodeSweepPage(buf.Bytes())
		if derr == nil {
			if buf.Cap() <= 4<<20 {
				bodyPool.Put(buf)
			}
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
	out, md, err = sdk()
	// Cut the SDK's full documents down to what the fast path keeps, so
	// that the sweep gets the same either way.
	if res, ok := out.Result.(*redshift.DescribeClustersOutput); ok && err == nil {
		for i := range res.Clusters {
			res.Clusters[i] = *summary(&res.Clusters[i])
		}
	}
	return out, md, err
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// replayBody reads the replayed bytes and closes the original body.
type replayBody struct {
	io.Reader
	io.Closer
}
