package environments

import "strings"

// suggest returns the candidate closest to word by edit distance, or "" when
// none is close enough to be a plausible typo. Case is ignored because
// "accountID" for "accountId" is the most common slip of all.
func suggest(word string, candidates []string) string {
	best, bestDistance := "", -1
	lower := strings.ToLower(word)
	for _, c := range candidates {
		lowerC := strings.ToLower(c)
		d := editDistance(lower, lowerC)
		// "clusterName" or "clusterArn" for "cluster": a known key plus a suffix.
		if len(lowerC) >= 4 && strings.HasPrefix(lower, lowerC) {
			d = min(d, 1)
		}
		if bestDistance == -1 || d < bestDistance {
			best, bestDistance = c, d
		}
	}
	if bestDistance == -1 {
		return ""
	}
	limit := max(2, len([]rune(best))/3)
	if bestDistance > limit || bestDistance >= len([]rune(lower)) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, counted in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	curr := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		curr[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			curr[j] = min(prev[j]+1, curr[j-1]+1, prev[j-1]+cost)
		}
		prev, curr = curr, prev
	}
	return prev[len(rb)]
}
