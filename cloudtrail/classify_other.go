//go:build !amd64 || purego

package cloudtrail

// classify is classifyGo where there is no assembly version.
func classify(b []byte, spec, high []uint64) { classifyGo(b, spec, high) }
