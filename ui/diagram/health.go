package diagram

import (
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/render"
)

// verdict is what is known to be wrong with one object.
type verdict struct {
	health  Health
	problem string // terminal-safe
	// evidence is the doctor's facts about the object, to find which of
	// a chain's devices a finding is about.
	evidence []string
}

// add makes v worse with h and, when h is the worst so far and v has no
// text yet at that level, its problem text.
func (v *verdict) add(h Health, problem string) {
	if h == OK {
		return
	}
	if h > v.health || v.problem == "" {
		if h >= v.health {
			v.problem = safetext.Term(problem)
		}
	}
	v.health = worse(v.health, h)
}

// own folds an object's problems (errors) and what could not be checked
// about it (unknown) into its verdict.
func (v *verdict) own(problems, unknown []string) {
	for _, p := range problems {
		v.add(Error, p)
	}
	for _, u := range unknown {
		v.add(Unknown, u)
	}
}

// drawnKind reports whether the diagram draws a doctor's object kind, as a box or
// a link. A finding marks its subject, the first object of a drawn kind,
// and the finding's other objects of that kind (both networks sharing one
// VLAN); the objects after it are context (a dead port's network is not
// itself broken).
func drawnKind(kind string) bool {
	switch kind {
	case "port", "network", "router", "namespace", "bridge", "tunnel", "patch", "nic":
		return true
	}
	return false
}

// doctorVerdicts are the doctor's findings by the object they are about.
func doctorVerdicts(exam doctor.Result) map[render.Ref]*verdict {
	out := map[render.Ref]*verdict{}
	for _, f := range exam.Findings {
		h := OK
		switch f.Severity {
		case doctor.Error:
			h = Error
		case doctor.Warning:
			h = Warning
		default:
			continue
		}
		subject := ""
		for _, o := range f.Objects {
			if drawnKind(o.Kind) {
				subject = o.Kind
				break
			}
		}
		for _, o := range f.Objects {
			if o.Kind != subject {
				continue
			}
			r := render.Ref{Kind: o.Kind, ID: o.ID}
			v := out[r]
			if v == nil {
				v = &verdict{}
				out[r] = v
			}
			v.add(h, f.Title)
			v.evidence = append(v.evidence, f.Evidence...)
		}
	}
	return out
}

// FindingHealth is the health the doctor's findings give the objects they
// are about (by the rule above), for objects the drawing may not hold (a
// namespace left behind).
func FindingHealth(exam doctor.Result) map[render.Ref]Health {
	out := map[render.Ref]Health{}
	for r, v := range doctorVerdicts(exam) {
		out[r] = v.health
	}
	return out
}

// verdictOf is an object's verdict: its own problems and unknowns, and
// the doctor's findings about it.
func (b *builder) verdictOf(ref render.Ref, problems, unknown []string) verdict {
	var v verdict
	v.own(problems, unknown)
	if d := b.doctor[ref]; d != nil {
		v.add(d.health, d.problem)
		v.evidence = d.evidence
	}
	return v
}

// device is one member of an instance's chain as drawn: from br-int out,
// qvo, qvb, qbr, tap (or the tap alone without the hybrid firewall).
type device struct {
	role   string // qvo, qvb, qbr, tap
	name   string // terminal-safe
	health Health
	// link is the health of the link from this device to the next one out
	// (qvo═qvb, qvb─qbr, qbr─tap); the last device's is unused.
	link Health
}

// chainOf works out each device of an instance port and the health of
// each link, so that the drawing shows which one is broken: a missing
// device, a qvb or tap outside its qbr, a veth whose peer is not the qvo,
// a qvo in the dead VLAN, off br-int or tagged unlike other_config:tag.
// attach is the health of the qvo's link to its VLAN on the bus.
func (b *builder) chainOf(p *topo.NPort, v verdict) (devs []device, attach Health) {
	d := p.Devices
	hybrid := d.QVO != nil || d.QBR != nil || d.QVB != nil
	var raw []*topo.Device
	roles := []string{"tap"}
	if hybrid {
		raw = []*topo.Device{d.QVO, d.QVB, d.QBR, d.Tap}
		roles = []string{"qvo", "qvb", "qbr", "tap"}
	} else {
		raw = []*topo.Device{d.Tap}
	}
	devs = make([]device, len(raw))
	for i, dv := range raw {
		devs[i].role = roles[i]
		switch {
		case dv == nil || dv.Name == "":
			devs[i].name = roles[i] + "?"
			devs[i].health = Error
		default:
			devs[i].name = safetext.Term(dv.Name)
			if !dv.InKernel {
				devs[i].health = Error
			}
		}
	}
	// A problem or the doctor's evidence is about the device it names
	// first ("qvbX is not in qbrX" is about the qvb).
	texts := append(append([]string{}, p.Problems...), v.evidence...)
	for _, t := range texts {
		first, at := -1, len(t)
		for i, dv := range raw {
			if dv == nil || dv.Name == "" {
				continue
			}
			if j := strings.Index(t, dv.Name); j >= 0 && j < at {
				first, at = i, j
			}
		}
		if first >= 0 {
			devs[first].health = worse(devs[first].health, v.health)
		}
	}
	if hybrid {
		qvo, qvb, qbr, tap := raw[0], raw[1], raw[2], raw[3]
		in := func(dv *topo.Device) bool { return dv != nil && dv.InKernel }
		if in(qvb) && in(qbr) && qvb.OnBridge != qbr.Name {
			devs[1].health, devs[1].link = Error, Error
		}
		if in(tap) && in(qbr) && tap.OnBridge != qbr.Name {
			devs[3].health, devs[2].link = Error, Error
		}
		if in(qvb) && in(qvo) && qvb.Peer != qvo.Name {
			devs[0].link = Error
		}
		for i := range 3 {
			if !in(raw[i]) || !in(raw[i+1]) {
				devs[i].link = Error
			}
		}
	}
	if p.Bridge == "" || p.Dead || b.tagMismatch(p) || (p.LocalVLAN != 0 && b.vlanNet[p.LocalVLAN] == nil) {
		devs[0].health, attach = Error, Error
	}
	if v.health == Unknown {
		for i := range devs {
			devs[i].health = worse(devs[i].health, Unknown)
		}
	}
	// A port with a problem no device is named in: the port's face on
	// br-int (its qvo, or its tap) carries it.
	if v.health >= Warning {
		named := false
		for i := range devs {
			named = named || devs[i].health >= Warning || devs[i].link >= Warning
		}
		if !named {
			devs[0].health = v.health
		}
	}
	return devs, attach
}

// tagMismatch reports whether the port's OVS tag differs from the
// other_config:tag the agent wrote (the agent's idea of its VLAN).
func (b *builder) tagMismatch(p *topo.NPort) bool {
	op := b.ovsPorts[p.OVSPort].Port
	if op == nil || op.Tag == 0 || op.Tag == topo.DeadVLAN {
		return false
	}
	other := op.OtherConfig["tag"]
	return other != "" && other != strconv.Itoa(op.Tag)
}

// mark is the text prefix that says a health without colour.
func mark(h Health) string {
	switch h {
	case Error:
		return "✗ "
	case Warning:
		return "! "
	case Unknown:
		return "? "
	}
	return ""
}
