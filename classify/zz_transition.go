package classify

import "github.com/govshare/govshare/catalog"

// Transition aliases for code not yet moved to package catalog. Removed
// before commit.
type Purpose = catalog.Purpose

const (
	PurposeDataVerification = catalog.PurposeDataVerification
	PurposeStatistics       = catalog.PurposeStatistics
)
