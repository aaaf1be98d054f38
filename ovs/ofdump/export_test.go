package ofdump

// The wire helpers, for the external tests (package ofdump_test, which
// compare with package ovs's parser of ovs-ofctl's text: ovs imports
// ofdump).
var (
	ReadMessage      = readMessage
	WriteMessage     = writeMessage
	FlowStatsRequest = flowStatsRequest
)

// Message types and the request's xid the tests speak.
const (
	OFPTHello        = ofptHello
	OFPTError        = ofptError
	OFPTEchoRequest  = ofptEchoRequest
	OF10StatsRequest = of10StatsRequest
	OF10StatsReply   = of10StatsReply
	DumpXID          = dumpXID
	ReplyMore        = ofpsfReplyMore
)

func (m message) Type() uint8  { return m.typ }
func (m message) XID() uint32  { return m.xid }
func (m message) Body() []byte { return m.body }
