package govshare

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/envelope"
	"github.com/govshare/govshare/policy"
)

// Release is an aggregate made outside Mask — a differential-privacy report
// from the dp package — to be sealed and recorded like any share.
type Release struct {
	Payload     []byte
	ContentType string // e.g. application/json
	// Fields names the catalog fields the release aggregates (person key,
	// group and value columns); they enter the manifest as dp, and the
	// highest level among them picks the suite.
	Fields      []string
	RecordCount uint64 // released groups
}

// ShareRelease seals a statistics release to one recipient, signed by the
// provider, and records it in the log, as Share does for records. The
// request's purpose must be statistics: only aggregates leave this way.
func ShareRelease(ctx context.Context, rel Release, out io.Writer, opt ShareOptions) (ShareResult, error) {
	if err := opt.check(); err != nil {
		return ShareResult{}, err
	}
	req := opt.Request
	if req.Purpose != catalog.PurposeStatistics {
		return ShareResult{}, fmt.Errorf("govshare: a release is for the statistics purpose, not %q", req.Purpose)
	}
	if len(rel.Fields) == 0 || rel.ContentType == "" {
		return ShareResult{}, errors.New("govshare: a release needs its fields and content type")
	}
	so := envelope.SealOptions{
		Purpose: req.Purpose, Resource: req.Catalog.Resource, RecordCount: rel.RecordCount,
		PayloadLength: uint64(len(rel.Payload)), Now: req.Now, ContentType: rel.ContentType,
	}
	for _, name := range rel.Fields {
		f, ok := req.Catalog.Field(name)
		if !ok {
			return ShareResult{}, fmt.Errorf("govshare: release field %q is not in the catalog (%w)", name, policy.ErrUnknownField)
		}
		so.Fields = append(so.Fields, envelope.Field{Name: f.Name, Type: f.Type, Category: f.Category, Level: f.Level, Transform: catalog.TransformDP})
	}
	if err := opt.window(&so, nil); err != nil {
		return ShareResult{}, err
	}
	h, receipt, err := opt.sealAndLog(ctx, out, bytes.NewReader(rel.Payload), so)
	if err != nil {
		return ShareResult{}, err
	}
	return ShareResult{Header: h, Receipt: receipt}, nil
}
