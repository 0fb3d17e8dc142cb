package main

import "sync/atomic"

// drainState records whether the service is shutting down. Handlers read it on every request, so it
// is a lock-free flag.
type drainState struct {
	draining atomic.Bool
}

// begin marks the service as draining; it reports whether this call was the one that did so.
func (d *drainState) begin() bool {
	return d.draining.CompareAndSwap(false, true)
}

// active reports whether the service is draining.
func (d *drainState) active() bool {
	return d.draining.Load()
}
