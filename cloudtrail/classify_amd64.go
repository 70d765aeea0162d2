//go:build amd64 && !purego

package cloudtrail

import "golang.org/x/sys/cpu"

// classifyAVX2 is classifyGo for n = len(spec) blocks at p, 32 bytes per
// instruction (classify_amd64.s).
//
//go:noescape
func classifyAVX2(p *byte, n int, spec, high *uint64)

var haveAVX2 = cpu.X86.HasAVX2

// classify is classifyGo, with AVX2 when the CPU has it.
func classify(b []byte, spec, high []uint64) {
	if haveAVX2 && len(spec) > 0 {
		_ = b[64*len(spec)-1]
		_ = high[len(spec)-1]
		classifyAVX2(&b[0], len(spec), &spec[0], &high[0])
		return
	}
	classifyGo(b, spec, high)
}
