package posthogtest

import (
	"crypto/sha256"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// PostHog's personal-API-key rate limits.
const (
	PostHogBurstPerMinute   = 480
	PostHogSustainedPerHour = 4800
)

type throttleState struct {
	perMinute, perHour int
	scale              float64
	history            map[[sha256.Size]byte]*keyHistory
}

// keyHistory holds the times of one key's allowed requests, oldest first,
// for each window (DRF's SimpleRateThrottle history).
type keyHistory struct{ burst, sustained []time.Time }

// SetThrottle turns throttle mode on, as PostHog's burst and sustained
// throttles: past perMinute requests in any minute or perHour in any hour
// from one key (counted per hashed key, only for requests that passed
// authentication and permissions, and whose key came in the Authorization
// header or the query string: the throttles never see a key sent in the
// body), the answer is 429 throttled_error
// "Request was throttled. Expected available in N seconds." with
// Retry-After: N. PostHog's limits are PostHogBurstPerMinute and
// PostHogSustainedPerHour. As in DRF, both throttles see every request,
// so one refused by the burst limit still counts towards the sustained
// limit. A limit <= 0 is off; SetThrottle(0, 0, 1) turns
// the mode off. Each call starts every key afresh.
//
// timeScale compresses time so tests run fast: with 60, a "minute" lasts
// one second of the emulator's clock and an "hour" one minute. N is
// computed like DRF's (time until the oldest counted request leaves the
// window, spread over the requests still available) in real, compressed
// seconds, rounded up: clients treat Retry-After as ordinary seconds and
// need no knowledge of the scale. timeScale <= 0 means 1.
func (e *Emulator) SetThrottle(perMinute, perHour int, timeScale float64) {
	if timeScale <= 0 || math.IsNaN(timeScale) || math.IsInf(timeScale, 0) {
		timeScale = 1
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.throttle = throttleState{
		perMinute: perMinute,
		perHour:   perHour,
		scale:     timeScale,
		history:   map[[sha256.Size]byte]*keyHistory{},
	}
}

// Throttled is the number of 429 responses sent, from throttle mode or
// Faults.Every429.
func (e *Emulator) Throttled() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stats.Throttled
}

// checkThrottle runs both throttles for key (each records an allowed
// request independently, as DRF runs every throttle) and answers 429 if
// either refuses; the caller holds e.mu.
func (e *Emulator) checkThrottle(key string) *response {
	t := &e.throttle
	if t.perMinute <= 0 && t.perHour <= 0 {
		return nil
	}
	h := t.history[sha256.Sum256([]byte(key))]
	if h == nil {
		h = &keyHistory{}
		t.history[sha256.Sum256([]byte(key))] = h
	}
	now := e.now()
	var waits []float64
	refused := false
	check := func(hist *[]time.Time, limit int, window time.Duration) {
		if limit <= 0 {
			return
		}
		cut := now.Add(-window)
		i := 0
		for i < len(*hist) && !(*hist)[i].After(cut) {
			i++
		}
		*hist = (*hist)[i:]
		if len(*hist) >= limit {
			refused = true
			remaining := window - now.Sub((*hist)[0])
			if available := limit - len(*hist) + 1; available > 0 {
				waits = append(waits, remaining.Seconds()/float64(available))
			}
			return
		}
		*hist = append(*hist, now)
	}
	check(&h.burst, t.perMinute, scaled(time.Minute, t.scale))
	check(&h.sustained, t.perHour, scaled(time.Hour, t.scale))
	if !refused {
		return nil
	}
	e.stats.Throttled++
	wait := -1.0
	for _, w := range waits {
		wait = max(wait, w)
	}
	if wait < 0 {
		return throttledResponse(-1)
	}
	return throttledResponse(int(math.Ceil(wait)))
}

func scaled(d time.Duration, scale float64) time.Duration {
	return time.Duration(float64(d) / scale)
}

// throttledResponse is DRF's Throttled answer; wait < 0 means unknown
// (no estimate, no Retry-After), and a zero wait sends no Retry-After.
func throttledResponse(wait int) *response {
	detail := "Request was throttled."
	if wait >= 0 {
		unit := "seconds"
		if wait == 1 {
			unit = "second"
		}
		detail += fmt.Sprintf(" Expected available in %d %s.", wait, unit)
	}
	resp := apiError(http.StatusTooManyRequests, "throttled_error", "throttled", detail, nil)
	if wait > 0 {
		resp.header.Set("Retry-After", strconv.Itoa(wait))
	}
	return resp
}
