package main

import "testing"

// --memory-limit takes sizes as --max-record-size does, 0 for none, and
// prints them back as they would be typed.
func TestMemoryLimitFlag(t *testing.T) {
	tests := []struct {
		in, out string
		bytes   int64
		bad     bool
	}{
		{in: "120MiB", out: "120MiB", bytes: 120 << 20},
		{in: "2GiB", out: "2GiB", bytes: 2 << 30},
		{in: "512MB", out: "500000KiB", bytes: 512e6},
		{in: "0", out: "0", bytes: 0},
		{in: "-5MiB", bad: true},
		{in: "lots", bad: true},
		{in: "2PiB", bad: true},
	}
	for _, tt := range tests {
		var m memoryLimit
		err := m.Set(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("%q: no error", tt.in)
			}
			continue
		}
		if err != nil || int64(m) != tt.bytes || m.String() != tt.out {
			t.Errorf("%q: %d %q %v, want %d %q", tt.in, int64(m), m.String(), err, tt.bytes, tt.out)
		}
	}
	if got := memoryLimit(0).apply(detectHeldShare); got != 0 {
		t.Errorf("no limit: held-row budget %d, want 0", got)
	}
}
