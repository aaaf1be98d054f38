package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// byteSize is a flag holding a size: 1048576, 64KiB, 512MiB, 2GiB (K, M
// and G alone are binary too; KB, MB, GB decimal).
type byteSize int64

func (b *byteSize) String() string { return topo.FormatBytes(int64(*b)) }
func (b *byteSize) Type() string   { return "size" }

func (b *byteSize) Set(s string) error {
	num := strings.TrimRight(strings.TrimSpace(s), "BbiIKkMmGgTt")
	unit := strings.ToUpper(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), num)))
	mult, ok := map[string]int64{
		"": 1, "B": 1,
		"K": 1 << 10, "KI": 1 << 10, "KIB": 1 << 10, "KB": 1e3,
		"M": 1 << 20, "MI": 1 << 20, "MIB": 1 << 20, "MB": 1e6,
		"G": 1 << 30, "GI": 1 << 30, "GIB": 1 << 30, "GB": 1e9,
		"T": 1 << 40, "TI": 1 << 40, "TIB": 1 << 40, "TB": 1e12,
	}[unit]
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if !ok || err != nil || n <= 0 || n*float64(mult) > 1<<62 {
		return fmt.Errorf("want a size above zero such as 128MiB or 2GiB, not %q", s)
	}
	*b = byteSize(n * float64(mult))
	return nil
}
