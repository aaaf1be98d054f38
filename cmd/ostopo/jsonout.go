package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/ostopo/ostopo/netinspect/safetext"
)

// writeJSON prints v as indented JSON for scripts: no '<' and no C1
// character raw (safetext.JSON), '>' and '&' readable (flows hold "->").
func writeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	if _, err := w.Write(safetext.JSON(buf.Bytes())); err != nil {
		return fmt.Errorf("write standard output: %w", err)
	}
	return nil
}
