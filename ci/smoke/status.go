package smoke

import (
	"fmt"
	"strconv"
	"strings"
)

// statusMatcher is a parsed ALB matcher: status code ranges, inclusive.
type statusMatcher [][2]int

// parseStatusMatcher reads an ALB matcher's HttpCode: "200", "200,202", "200-299" or a mix.
func parseStatusMatcher(s string) (statusMatcher, error) {
	var m statusMatcher
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		if !isRange {
			hi = lo
		}
		from, err1 := parseStatusCode(lo)
		to, err2 := parseStatusCode(hi)
		if err1 != nil || err2 != nil || from > to {
			return nil, fmt.Errorf("expected status %q is not an ALB matcher: use codes from 100 to 599 as \"200\", \"200,202\" or \"200-299\"", s)
		}
		m = append(m, [2]int{from, to})
	}
	return m, nil
}

func parseStatusCode(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 100 || n > 599 {
		return 0, fmt.Errorf("not a status code: %q", s)
	}
	return n, nil
}

func (m statusMatcher) matches(status int) bool {
	for _, r := range m {
		if status >= r[0] && status <= r[1] {
			return true
		}
	}
	return false
}
