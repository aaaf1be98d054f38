package diagram

// Arms: each cell of a line or frame records which of its four sides a
// line leaves by, and how heavy (1 light, 2 double); the glyph is worked
// out once everything is drawn, so that crossings and junctions (a link
// onto a frame, a row onto a trunk) join without special cases.
const (
	armN = 0
	armE = 2
	armS = 4
	armW = 6
)

// arms packs the weight of each side in two bits.
type arms uint8

func (a arms) get(side uint) uint8 { return uint8(a>>side) & 3 }

func (a arms) with(side uint, weight uint8) arms {
	if a.get(side) >= weight {
		return a
	}
	return a&^(3<<side) | arms(weight)<<side
}

// Glyph tables by mask (N=1 E=2 S=4 W=8) for each pair of weights
// (vertical, horizontal). Unicode has the mixed light/double glyphs for
// every mask where each axis is one weight. Strings, so that nothing at
// package level can change.
const (
	glyphLight  = " ╵╶└╷│┌├╴┘─┴┐┤┬┼"
	glyphDouble = " ║═╚║║╔╠═╝═╩╗╣╦╬"
	glyphVlHd   = " ╵═╘╷│╒╞═╛═╧╕╡╤╪" // vertical light, horizontal double
	glyphVdHl   = " ║╶╙║║╓╟╴╜─╨╖╢╥╫" // vertical double, horizontal light
	glyphHeavy  = " ╹╺┗╻┃┏┣╸┛━┻┓┫┳╋"
)

// nth is the i-th rune of a table.
func nth(table string, i int) rune {
	for _, r := range table {
		if i == 0 {
			return r
		}
		i--
	}
	return ' '
}

// maskOf is the mask of a box-drawing rune of the tables (0 for others).
func maskOf(r rune) int {
	switch r {
	case '│', '║', '┊':
		return 5
	case '─', '═', '~':
		return 10
	}
	for _, table := range []string{glyphLight, glyphDouble, glyphVlHd, glyphVdHl} {
		i := 0
		for _, t := range table {
			if t == r && i > 0 {
				return i
			}
			i++
		}
	}
	switch r {
	case '╭':
		return 6
	case '╮':
		return 12
	case '╰':
		return 3
	case '╯':
		return 9
	}
	return 0
}

// heavy is the heavy form of a box-drawing rune: the selected box's frame,
// visible without colour.
func heavy(r rune) rune {
	if m := maskOf(r); m > 0 {
		return nth(glyphHeavy, m)
	}
	return r
}

// glyph is the box-drawing character for a cell's arms; dashed straight
// lines are tunnels.
func glyph(a arms, dashed bool) rune {
	n, e, s, w := a.get(armN), a.get(armE), a.get(armS), a.get(armW)
	mask := 0
	if n > 0 {
		mask |= 1
	}
	if e > 0 {
		mask |= 2
	}
	if s > 0 {
		mask |= 4
	}
	if w > 0 {
		mask |= 8
	}
	if dashed {
		switch mask {
		case 5, 1, 4:
			return '┊'
		case 10, 2, 8:
			return '~'
		}
	}
	v, h := max(n, s), max(e, w)
	switch {
	case v == 2 && h == 2, v == 2 && h == 0, v == 0 && h == 2:
		return nth(glyphDouble, mask)
	case v == 2:
		return nth(glyphVdHl, mask)
	case h == 2:
		return nth(glyphVlHd, mask)
	}
	return nth(glyphLight, mask)
}

// rounded turns a light corner into a round one (namespaces).
func rounded(r rune) rune {
	switch r {
	case '┌':
		return '╭'
	case '┐':
		return '╮'
	case '└':
		return '╰'
	case '┘':
		return '╯'
	}
	return r
}
