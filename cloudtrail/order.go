package cloudtrail

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// CloudTrail names each delivery file after the time it was written:
// <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz. Its
// S3 layout (AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/) sorts a
// whole day of one region before the next region, so a walk in name order
// goes back in time at each region and account. Reading the files of a
// directory by the time in their names instead gives events in roughly the
// order they happened (each file holds a few minutes), which is what lets a
// time-bucketed rule finish each window early (detect.Options.AllowedLateness).

// timeOrder sorts walked files by the delivery time in their names. Files
// without one keep their walk (name) order, before the others; ties keep
// walk order.
func timeOrder(files []string) []string {
	keys := make(map[string]string, len(files))
	timed := false
	for _, f := range files {
		k := deliveryTime(filepath.Base(f))
		keys[f] = k
		timed = timed || k != ""
	}
	if !timed {
		return files
	}
	out := slices.Clone(files)
	slices.SortStableFunc(out, func(a, b string) int { return strings.Compare(keys[a], keys[b]) })
	return out
}

// deliveryTime returns the YYYYMMDDTHHmmZ part of a CloudTrail file name, or
// "".
func deliveryTime(name string) string {
	i := strings.Index(name, "_CloudTrail_")
	if i < 0 {
		return ""
	}
	rest := name[i+len("_CloudTrail_"):]
	// <region>_<time>_...: the time follows the region's underscore.
	j := strings.IndexByte(rest, '_')
	if j < 0 || len(rest) < j+1+14 {
		return ""
	}
	t := rest[j+1 : j+1+14]
	for k := 0; k < 14; k++ {
		c := t[k]
		switch {
		case k == 8 && c == 'T', k == 13 && c == 'Z':
		case k != 8 && k != 13 && '0' <= c && c <= '9':
		default:
			return ""
		}
	}
	return t
}

// DeliveryOrdered reports whether every file that reading paths would
// read is a CloudTrail delivery file named with its delivery time, so that
// Read gives records in roughly the order they happened (timeOrder). It
// gathers the files as Read does (walk.go), looking at names only and
// reporting nothing; standard input, and any other file, make it false:
// their order in time is unknown.
func DeliveryOrdered(paths []string) bool {
	if len(paths) == 0 {
		return false
	}
	u := newRun(&Reader{}, context.Background(), nil, &Stats{})
	for _, p := range paths {
		if p == "-" || u.gather(p) != nil {
			return false
		}
	}
	for _, f := range u.found {
		if deliveryTime(filepath.Base(f)) == "" {
			return false
		}
	}
	return true
}

// DeliveryTime returns the delivery time in the name of a CloudTrail
// delivery file (<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz),
// and whether the name has one. p may be a file name, a path or an S3 key:
// only its last element is looked at, so that a folder's name never lends a
// time to the files in it. It is the time Read orders files by (timeOrder),
// exported so that package source hands on what `trailql watch` finds in the
// same order as `trailql detect` reads a tree, with the same parser.
func DeliveryTime(p string) (time.Time, bool) {
	t, err := time.Parse("20060102T1504Z", deliveryTime(filepath.Base(p)))
	return t, err == nil
}
