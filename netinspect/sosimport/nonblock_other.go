//go:build !unix

package sosimport

// nonBlock is 0 where there are no FIFOs to open.
const nonBlock = 0
